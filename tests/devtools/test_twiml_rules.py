"""The TwiML rule checker: what Twilio accepts (and our own rules), on hand-written documents."""

from __future__ import annotations

import pytest
from twilio.twiml.voice_response import VoiceResponse

from ivr.devtools.twiml_rules import problems

LINE = "https://line.example.org"


def twiml(body: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><Response>{body}</Response>'


def menu() -> VoiceResponse:
    response = VoiceResponse()
    response.say("Thank you for calling.", voice="Polly.Joanna", language="en-US")
    gather = response.gather(
        input="dtmf speech",
        action=f"{LINE}/voice/gather?step=1",
        method="POST",
        num_digits=1,
        timeout=6,
        action_on_empty_result=True,
        speech_timeout="auto",
        language="en-US",
    )
    gather.say("For English, press 1.", voice="Polly.Joanna", language="en-US")
    gather.pause(length=1)
    gather.play(f"{LINE}/static/chime.mp3")
    return response


def test_a_menu_built_with_voice_response_has_no_problems() -> None:
    assert problems(str(menu())) == []


def test_an_enqueue_with_an_explicit_queue_size_and_absolute_urls_has_no_problems() -> None:
    response = VoiceResponse()
    response.say("Please hold.")
    response.enqueue(
        "operators",
        action=f"{LINE}/voice/queue/result?step=4",
        method="POST",
        wait_url=f"{LINE}/voice/queue/wait",
        wait_url_method="POST",
        max_queue_size=200,
    )
    assert problems(str(response)) == []


def test_a_voicemail_with_a_fallback_redirect_has_no_problems() -> None:
    response = VoiceResponse()
    response.record(
        action=f"{LINE}/voice/voicemail/done?step=5",
        method="POST",
        max_length=300,
        finish_on_key="#",
        play_beep=True,
        timeout=10,
        recording_status_callback=f"{LINE}/voice/voicemail/recording",
        recording_status_callback_method="POST",
        recording_status_callback_event="completed",
    )
    # Reached when the caller said nothing: Twilio skips the action then.
    response.redirect(f"{LINE}/voice/voicemail/done?step=5&empty=1", method="POST")
    assert problems(str(response)) == []


def test_ssml_inside_say_is_allowed() -> None:
    xml = twiml(
        '<Say voice="Polly.Joanna">Your number is <say-as interpret-as="digits">123</say-as>'
        '<break time="1s"/><prosody rate="slow">thank you</prosody></Say>'
    )
    assert problems(xml) == []


def test_a_record_inside_gather_is_refused() -> None:
    xml = twiml(f'<Gather action="{LINE}/voice/gather"><Record maxLength="30"/></Gather>')
    assert problems(xml) == ["<Record> inside <Gather> (verb 1): <Gather> may contain only Say, Play, Pause"]


def test_an_enqueue_without_max_queue_size_is_refused() -> None:
    xml = twiml(
        f'<Enqueue action="{LINE}/voice/queue/result" waitUrl="{LINE}/voice/queue/wait">operators</Enqueue>'
    )
    assert problems(xml) == [
        "<Enqueue> (verb 1) has no maxQueueSize: set it explicitly (Twilio's default is 1000)"
    ]


@pytest.mark.parametrize("size", ["0", "5001", "lots"])
def test_an_enqueue_queue_size_outside_1_to_5000_is_refused(size: str) -> None:
    xml = twiml(f'<Enqueue maxQueueSize="{size}">operators</Enqueue>')
    assert problems(xml) == [f"<Enqueue> (verb 1) maxQueueSize='{size}' must be a whole number, 1..5000"]


def test_an_enqueue_needs_a_queue_name() -> None:
    assert problems(twiml('<Enqueue maxQueueSize="10"/>')) == ["<Enqueue> (verb 1) names no queue"]


def test_a_dial_is_not_allowed_while_waiting_in_a_queue() -> None:
    xml = twiml("<Say>You are number 1 in line.</Say><Dial>+15555550100</Dial>")
    assert problems(xml, "call") == []
    assert problems(xml, "queue_wait") == [
        "<Dial> (verb 2) is not allowed in a queue's wait document: use Gather, Hangup, Leave, "
        "Pause, Play, Redirect, Say"
    ]


def test_the_wait_document_may_gather_and_leave() -> None:
    xml = twiml(
        f'<Gather numDigits="1" timeout="1" action="{LINE}/voice/queue/choice">'
        '<Say>Press 1 to leave a message.</Say><Pause length="15"/></Gather>'
    )
    assert problems(xml, "queue_wait") == []
    assert problems(twiml("<Leave/>"), "queue_wait") == []


def test_an_enqueue_is_not_allowed_while_waiting_in_a_queue() -> None:
    xml = twiml('<Enqueue maxQueueSize="10">operators</Enqueue>')
    assert problems(xml, "queue_wait")[0].startswith("<Enqueue> (verb 1) is not allowed in a queue")


@pytest.mark.parametrize("final", ["<Hangup/>", "<Reject/>", "<Leave/>"])
def test_verbs_after_a_final_verb_are_flagged_as_unreachable(final: str) -> None:
    xml = twiml(f"<Say>Goodbye.</Say>{final}<Say>Are you still there?</Say><Pause/>")
    tag = final.strip("</>")
    assert problems(xml) == [f"<Say>, <Pause> after <{tag}> (verb 2) can never be reached"]


def test_verbs_after_a_gather_that_always_posts_are_unreachable() -> None:
    xml = twiml(
        f'<Gather action="{LINE}/voice/gather" actionOnEmptyResult="true"><Say>Press 1.</Say>'
        "</Gather><Say>We did not hear you.</Say>"
    )
    assert problems(xml) == ["<Say> after <Gather> (verb 1) can never be reached"]


def test_verbs_after_a_gather_that_falls_through_on_silence_are_reachable() -> None:
    xml = twiml(
        f'<Gather action="{LINE}/voice/gather"><Say>Press 1.</Say></Gather>'
        "<Say>We did not hear you.</Say><Hangup/>"
    )
    assert problems(xml) == []


def test_a_relative_action_url_is_refused() -> None:
    xml = twiml('<Gather action="/voice/gather?step=2" numDigits="1"><Say>Press 1.</Say></Gather>')
    assert problems(xml) == [
        "<Gather> (verb 1) action='/voice/gather?step=2' must be an absolute http(s) URL"
    ]


def test_relative_wait_and_recording_callback_urls_are_refused() -> None:
    xml = twiml('<Enqueue maxQueueSize="10" waitUrl="wait">operators</Enqueue>')
    assert problems(xml) == ["<Enqueue> (verb 1) waitUrl='wait' must be an absolute http(s) URL"]
    xml = twiml('<Record recordingStatusCallback="ftp://line.example.org/recording"/>')
    assert problems(xml) == [
        "<Record> (verb 1) recordingStatusCallback='ftp://line.example.org/recording' must be an "
        "absolute http(s) URL"
    ]


def test_a_redirect_needs_an_absolute_url() -> None:
    assert problems(twiml("<Redirect>/voice/incoming</Redirect>")) == [
        "<Redirect> (verb 1) URL '/voice/incoming' must be an absolute http(s) URL"
    ]
    assert problems(twiml("<Redirect/>")) == ["<Redirect> (verb 1) has no URL"]


@pytest.mark.parametrize(
    ("attributes", "problem"),
    [
        ('numDigits="0"', "numDigits='0' must be a whole number, at least 1"),
        ('timeout="soon"', "timeout='soon' must be a whole number, at least 1"),
        ('input="keys"', "input='keys' must be one of dtmf, dtmf speech, speech, speech dtmf"),
        ('finishOnKey="##"', "finishOnKey='##' must be one of 0-9, #, * or empty"),
        ('actionOnEmptyResult="yes"', 'actionOnEmptyResult=\'yes\' must be "true" or "false"'),
        ('method="PUT"', "method='PUT' must be GET or POST"),
    ],
)
def test_gather_attributes_must_hold_values_twilio_knows(attributes: str, problem: str) -> None:
    xml = twiml(f"<Gather {attributes}><Say>Press 1.</Say></Gather>")
    assert problems(xml) == [f"<Gather> (verb 1) {problem}"]


def test_an_empty_finish_on_key_and_speech_first_input_are_allowed() -> None:
    assert problems(twiml('<Gather finishOnKey="" input="speech dtmf"><Say>Hi.</Say></Gather>')) == []


def test_a_say_needs_text_and_non_empty_voice_and_language() -> None:
    assert problems(twiml('<Say voice="" language="en-US"> </Say>')) == [
        "<Say> (verb 1) has an empty voice attribute",
        "<Say> (verb 1) has nothing to say",
    ]


def test_a_say_inside_a_gather_is_checked_too() -> None:
    xml = twiml('<Gather><Say language=""/></Gather>')
    assert problems(xml) == [
        "<Say> inside <Gather> (verb 1) (noun 1) has an empty language attribute",
        "<Say> inside <Gather> (verb 1) (noun 1) has nothing to say",
    ]


def test_a_say_may_hold_only_ssml() -> None:
    assert problems(twiml("<Say>Hello <Pause/></Say>")) == [
        "<Say> (verb 1) contains <Pause>, which is not SSML Twilio knows"
    ]


def test_a_play_needs_a_url() -> None:
    assert problems(twiml("<Play/>")) == ["<Play> (verb 1) has no URL to play"]
    assert problems(twiml('<Play digits="1w2"/>')) == []


def test_a_verb_twilio_does_not_know_is_refused() -> None:
    assert problems(twiml("<Sms>Hello</Sms>")) == [
        "<Sms> (verb 1) is not allowed at the top level of a call: use Connect, Dial, Enqueue, Gather, "
        "Hangup, Leave, Pause, Play, Record, Redirect, Refer, Reject, Say, Start, Stop, Stream"
    ]


def test_the_root_must_be_response() -> None:
    assert problems("<Reply><Say>Hi</Say></Reply>") == ["the root element is <Reply>, not <Response>"]


def test_xml_that_is_not_well_formed_is_one_problem() -> None:
    found = problems("<Response><Say>Hi</Response>")
    assert len(found) == 1 and found[0].startswith("not well-formed XML")


def test_stray_text_between_verbs_is_refused() -> None:
    assert problems(twiml("Hello<Hangup/>")) == ["stray text inside <Response>: 'Hello'"]


def test_a_callback_may_answer_an_empty_response_or_anything() -> None:
    assert problems(str(VoiceResponse()), "callback") == []
    assert problems(twiml("<Dial>+15555550100</Dial><Hangup/><Say/>"), "callback") == []
    assert problems("<Nothing/>", "callback") == ["the root element is <Nothing>, not <Response>"]


def test_an_unknown_context_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown TwiML context"):
        problems(twiml(""), "sms")


def test_the_line_writes_a_document_exactly_as_the_library_does() -> None:
    # ivr.voice.twiml.document serialises straight to text; Twilio must get the same bytes, with
    # every script and every character XML escapes.
    from ivr.voice.twiml import document

    response = menu()
    words = "请按 1。 اضغط 1. Oprima & espere <aquí>: \"ça\" 'va'"
    response.say(words, voice="Polly.Zhiyu", language="cmn-CN")
    response.redirect(f"{LINE}/voice/gather?step=2&state=A_NUMBER_ENTRY", method="POST")

    assert document(response) == str(response)
    assert "&amp;state=A_NUMBER_ENTRY" in document(response)

"""The call simulator plays Twilio: signed requests, menus, redirects, the queue and voicemail."""

from __future__ import annotations

import io
import re
import threading
from datetime import datetime
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from flask import Flask, Response, abort, current_app, request
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.serving import make_server

from ivr.cli import devtools as cli_devtools
from ivr.cli.devtools import ScriptedCommand, call_command, script_from_options
from ivr.config import load_settings
from ivr.devtools.caller import (
    SimulatorError,
    Step,
    answer,
    hangup,
    press,
    record,
    say,
    silence,
    wait,
)
from ivr.devtools.simulator import simulate, simulate_remote
from ivr.devtools.twilio_call import DEFAULT_FROM

PUBLIC_URL = "http://line.test"
AUTH_TOKEN = "a" * 32
STANDARD = {
    "AccountSid",
    "ApiVersion",
    "CallSid",
    "CallStatus",
    "Direction",
    "From",
    "To",
}


def make_line(tmp_path: Path, auth_token: str = AUTH_TOKEN) -> Flask:
    """A small line: a menu, a queue with a hold loop, and voicemail, checking every signature."""
    settings = load_settings(
        environ={
            "IVR_ENV": "testing",
            "SECRET_KEY": "x" * 40,
            "TWILIO_AUTH_TOKEN": auth_token,
            "IVR_DATA_KEY": Fernet.generate_key().decode(),
            "IVR_PUBLIC_URL": PUBLIC_URL,
        },
        instance_path=tmp_path,
    )
    app = Flask(__name__)
    app.config.update(settings.as_flask_config())
    seen: list[tuple[str, dict[str, str]]] = []
    app.extensions["seen"] = seen

    def url(path: str) -> str:
        return current_app.config["IVR"].public_url + path

    def xml(response: VoiceResponse) -> Response:
        return Response(str(response), mimetype="text/xml")

    @app.before_request
    def require_signature() -> None:
        query = request.query_string.decode()
        called = url(request.path) + (f"?{query}" if query else "")
        signature = request.headers.get("X-Twilio-Signature", "")
        if not RequestValidator(AUTH_TOKEN).validate(called, request.form.to_dict(), signature):
            abort(403)
        seen.append((request.path + (f"?{query}" if query else ""), request.values.to_dict()))

    @app.post("/voice/incoming")
    def incoming() -> Response:
        response = VoiceResponse()
        response.say("Welcome to the line.", voice="Polly.Joanna", language="en-US")
        gather = response.gather(
            input="dtmf speech",
            num_digits=1,
            action=url("/voice/menu?step=1"),
            method="POST",
            action_on_empty_result=True,
            timeout=5,
        )
        gather.say(
            "For an operator, press 1. To leave a message, press 2.", voice="Polly.Joanna", language="en-US"
        )
        return xml(response)

    @app.post("/voice/menu")
    def menu() -> Response:
        response = VoiceResponse()
        digits = request.form.get("Digits")
        words = request.form.get("SpeechResult", "")
        if digits == "1" or "operator" in words:
            response.say("Please hold.", voice="Polly.Lupe", language="es-US")
            response.enqueue(
                "operators",
                action=url("/voice/queue/result"),
                method="POST",
                wait_url=url("/voice/queue/wait"),
                wait_url_method="POST",
                max_queue_size=10,
            )
        elif digits == "2" or "message" in words:
            response.redirect(url("/voice/voicemail"), method="POST")
        elif digits is None and not words:
            response.say("We did not hear you.")
            response.redirect(url("/voice/incoming"), method="POST")
        else:
            response.say("That is not an option. Goodbye.")
            response.hangup()
        return xml(response)

    @app.post("/voice/queue/wait")
    def queue_wait() -> Response:
        response = VoiceResponse()
        gather = response.gather(num_digits=1, action=url("/voice/queue/choice"), method="POST", timeout=1)
        gather.say(f"You are number {request.form['QueuePosition']} in line. To leave a message, press 1.")
        gather.pause(length=15)
        return xml(response)

    @app.post("/voice/queue/choice")
    def queue_choice() -> Response:
        response = VoiceResponse()
        if request.form.get("Digits") == "1":
            response.leave()
        else:
            response.say("That is not an option.")
            response.redirect(url("/voice/queue/wait"), method="POST")
        return xml(response)

    @app.post("/voice/queue/result")
    def queue_result() -> Response:
        response = VoiceResponse()
        pinned = current_app.config["IVR"].fixed_time
        if request.form["QueueResult"] == "leave":
            response.redirect(url("/voice/voicemail"), method="POST")
        elif request.form["QueueResult"] == "bridged" and pinned is not None:
            response.say(f"Answered at {pinned.isoformat()}.")
        return xml(response)

    @app.post("/voice/voicemail")
    def voicemail() -> Response:
        response = VoiceResponse()
        response.say("Leave a message after the tone, then press pound.")
        response.record(
            action=url("/voice/voicemail/done"),
            method="POST",
            max_length=120,
            finish_on_key="#",
            recording_status_callback=url("/voice/voicemail/recording"),
            recording_status_callback_method="POST",
        )
        response.say("We did not get a message. Goodbye.")
        response.hangup()
        return xml(response)

    @app.post("/voice/voicemail/done")
    def voicemail_done() -> Response:
        response = VoiceResponse()
        response.say("Thank you. Goodbye.")
        response.hangup()
        return xml(response)

    @app.post("/voice/voicemail/recording")
    @app.post("/voice/status")
    def callback() -> Response:
        return xml(VoiceResponse())

    @app.post("/voice/broken")
    def broken() -> Response:
        return Response(
            "<Response><Gather><Record/></Gather><Hangup/><Say>Hi</Say></Response>", mimetype="text/xml"
        )

    return app


@pytest.fixture
def line(tmp_path: Path) -> Flask:
    return make_line(tmp_path)


def seen(app: Flask, path: str) -> list[dict[str, str]]:
    return [params for url, params in app.extensions["seen"] if url.split("?")[0] == path]


# --- Requests as Twilio makes them ------------------------------------------------------------


def test_every_request_is_signed_and_carries_twilios_standard_parameters(line: Flask) -> None:
    result = simulate(line, [press("1"), answer()])
    assert result.problems == []
    assert [url for url, _ in line.extensions["seen"]] == [
        "/voice/incoming",
        "/voice/menu?step=1",
        "/voice/queue/wait",
        "/voice/queue/result",
        "/voice/status",
    ]
    assert re.fullmatch(r"CA[0-9a-f]{32}", result.call_sid)
    for _, params in line.extensions["seen"]:
        assert STANDARD <= params.keys()
        assert params["CallSid"] == result.call_sid
        assert params["From"] == "+15555550123"
        assert params["To"] == "+18883514024"
        assert params["Direction"] == "inbound"
        assert params["ApiVersion"] == "2010-04-01"
    assert [url for url, _ in result.requests][0] == PUBLIC_URL + "/voice/incoming"


def test_a_wrong_auth_token_is_refused_by_the_line_and_reported(tmp_path: Path) -> None:
    app = make_line(tmp_path, auth_token="b" * 32)
    out = io.StringIO()
    result = simulate(app, [press("1")], out=out)
    assert result.problems[0] == "HTTP 403 from POST /voice/incoming"
    assert "application error" in out.getvalue()
    assert app.extensions["seen"] == []


def test_the_caller_number_can_be_chosen(line: Flask) -> None:
    simulate(line, [hangup()], from_number="+15555550999")
    assert {params["From"] for _, params in line.extensions["seen"]} == {"+15555550999"}


# --- Menus ------------------------------------------------------------------------------------


def test_keys_pressed_at_a_menu_are_posted_as_digits_to_its_action(line: Flask) -> None:
    simulate(line, [press("1"), hangup()])
    assert seen(line, "/voice/menu")[0]["Digits"] == "1"


def test_words_said_at_a_menu_are_posted_as_speech_with_confidence(line: Flask) -> None:
    simulate(line, [say("an operator please", confidence=0.42), hangup()])
    posted = seen(line, "/voice/menu")[0]
    assert posted["SpeechResult"] == "an operator please"
    assert posted["Confidence"] == "0.42"
    assert "Digits" not in posted


def test_speech_confidence_is_0_9_unless_scripted(line: Flask) -> None:
    simulate(line, [say("operator"), hangup()])
    assert seen(line, "/voice/menu")[0]["Confidence"] == "0.9"


def test_silence_at_a_menu_that_asks_posts_no_digits_and_follows_the_redirect(line: Flask) -> None:
    result = simulate(line, [silence(), hangup()])
    posted = seen(line, "/voice/menu")[0]
    assert "Digits" not in posted and "SpeechResult" not in posted
    assert "We did not hear you." in result.said()
    # The Redirect went back to the start: the greeting was heard twice.
    assert result.said().count("Welcome to the line.") == 2
    assert result.problems == []


def test_running_out_of_script_at_a_menu_means_the_caller_hangs_up(line: Flask) -> None:
    result = simulate(line, [])
    status = seen(line, "/voice/status")
    assert len(status) == 1
    assert status[0]["CallStatus"] == "completed"
    assert int(status[0]["CallDuration"]) >= 1
    assert result.outcome is None  # this app keeps no call records


def test_the_status_callback_reports_the_simulated_length_of_the_call(line: Flask) -> None:
    simulate(line, [press("1"), wait(), wait(), answer()])
    # Three rounds on hold of a 15 s pause and a 1 s timeout each, plus what was said.
    assert int(seen(line, "/voice/status")[0]["CallDuration"]) > 48


def test_an_operator_answering_at_a_menu_does_not_fit_the_script(line: Flask) -> None:
    with pytest.raises(SimulatorError, match=r"step 1 \(answer\) does not fit: the caller is at a menu"):
        simulate(line, [answer()])


def test_what_the_caller_heard_is_kept_with_voice_and_language(line: Flask) -> None:
    result = simulate(line, [press("1"), answer()])
    first = result.heard[0]
    assert (first.verb, first.text, first.language, first.voice) == (
        "Say",
        "Welcome to the line.",
        "en-US",
        "Polly.Joanna",
    )
    assert [heard.verb for heard in result.heard] == [
        "Say",
        "Say",
        "Say",
        "Enqueue",
        "Say",
        "Pause",
        "Bridged",
    ]
    assert result.heard[3].url == PUBLIC_URL + "/voice/queue/wait"


def test_the_transcript_reads_like_the_call(line: Flask) -> None:
    out = io.StringIO()
    simulate(line, [press("1"), answer()], out=out)
    transcript = out.getvalue()
    assert "[Say en-US Polly.Joanna] Welcome to the line.\n" in transcript
    assert ">> caller presses 1\n" in transcript
    assert "[Say es-US Polly.Lupe] Please hold.\n" in transcript
    assert "[Enqueue operators]\n" in transcript
    assert "[Pause 15s]\n" in transcript
    assert "[Bridged to an operator]\n" in transcript
    assert transcript.endswith("Call outcome: unknown (this app keeps no call records)\n")


def test_long_key_entries_are_not_printed(line: Flask) -> None:
    out = io.StringIO()
    simulate(line, [press("123456789#")], out=out)
    assert "123456789" not in out.getvalue()
    assert ">> caller presses 9 digits then #" in out.getvalue()


def test_twiml_problems_are_printed_and_kept(line: Flask) -> None:
    line.view_functions["incoming"] = line.view_functions["broken"]
    out = io.StringIO()
    result = simulate(line, [], out=out)
    assert (
        "POST /voice/incoming: <Record> inside <Gather> (verb 1): <Gather> may contain only Say, "
        "Play, Pause" in result.problems
    )
    assert any("can never be reached" in problem for problem in result.problems)
    assert "!! TwiML problem: POST /voice/incoming: <Record> inside <Gather>" in out.getvalue()


# --- The queue --------------------------------------------------------------------------------


def test_the_wait_url_is_looped_with_queue_parameters_until_an_operator_answers(line: Flask) -> None:
    result = simulate(line, [press("1"), wait(), wait(), answer()])
    rounds = seen(line, "/voice/queue/wait")
    assert len(rounds) == 3
    assert {params["MaxQueueSize"] for params in rounds} == {"10"}
    assert {params["QueuePosition"] for params in rounds} == {"1"}
    assert len({params["QueueSid"] for params in rounds}) == 1
    assert re.fullmatch(r"QU[0-9a-f]{32}", rounds[0]["QueueSid"])
    times = [int(params["QueueTime"]) for params in rounds]
    assert times[0] == 0 and times[1] > 16 and times[2] > times[1] + 16
    outcome = seen(line, "/voice/queue/result")
    assert outcome[0]["QueueResult"] == "bridged"
    assert int(outcome[0]["QueueTime"]) > times[2]
    assert outcome[0]["QueueSid"] == rounds[0]["QueueSid"]
    assert result.problems == []


def test_pressing_1_on_hold_leaves_the_queue_for_voicemail(line: Flask) -> None:
    result = simulate(line, [press("1"), wait(), press("1"), record("my son is sick")])
    assert seen(line, "/voice/queue/choice")[0]["Digits"] == "1"
    assert seen(line, "/voice/queue/result")[0]["QueueResult"] == "leave"
    assert "Thank you. Goodbye." in result.said()
    assert result.problems == []


def test_another_key_on_hold_is_answered_and_the_hold_goes_on(line: Flask) -> None:
    result = simulate(line, [press("1"), press("5"), answer()])
    assert "That is not an option." in result.said()
    assert len(seen(line, "/voice/queue/wait")) == 2
    assert seen(line, "/voice/queue/result")[0]["QueueResult"] == "bridged"


def test_hanging_up_on_hold_reports_hangup_to_the_enqueue_action(line: Flask) -> None:
    simulate(line, [press("1"), wait(), hangup()])
    assert seen(line, "/voice/queue/result")[0]["QueueResult"] == "hangup"
    assert seen(line, "/voice/status")[0]["CallStatus"] == "completed"


def test_a_script_that_ends_on_hold_waits_until_the_caller_gives_up(line: Flask) -> None:
    simulate(line, [press("1")], max_wait_loops=3)
    assert len(seen(line, "/voice/queue/wait")) == 3
    assert seen(line, "/voice/queue/result")[0]["QueueResult"] == "hangup"


# --- Voicemail --------------------------------------------------------------------------------


def test_a_recording_posts_the_status_callback_and_the_record_action(line: Flask) -> None:
    result = simulate(line, [press("2"), record("I want to report what happened to my brother")])
    done = seen(line, "/voice/voicemail/done")[0]
    recording = seen(line, "/voice/voicemail/recording")
    assert len(recording) == 1
    sid = done["RecordingSid"]
    assert re.fullmatch(r"RE[0-9a-f]{32}", sid)
    assert done["RecordingUrl"] == (
        f"https://api.twilio.com/2010-04-01/Accounts/AC{'0' * 32}/Recordings/{sid}"
    )
    assert done["RecordingDuration"] == "4"  # 9 words at half a second each
    assert done["Digits"] == "#"
    expected = {
        "RecordingStatus": "completed",
        "RecordingSid": sid,
        "RecordingUrl": done["RecordingUrl"],
        "RecordingDuration": "4",
        "RecordingChannels": "1",
        "RecordingSource": "RecordVerb",
        "CallSid": result.call_sid,
    }
    assert expected.items() <= recording[0].items()
    assert result.said()[-1] == "Thank you. Goodbye."
    assert result.problems == []


def test_callbacks_are_sent_twice_when_asked(line: Flask) -> None:
    simulate(line, [press("2"), record("hello")], repeat_callbacks=True)
    first, second = seen(line, "/voice/voicemail/recording")
    assert first == second
    assert len(seen(line, "/voice/status")) == 2
    assert len(seen(line, "/voice/voicemail/done")) == 1


def test_silence_at_a_recording_skips_the_action_and_goes_on(line: Flask) -> None:
    result = simulate(line, [press("2"), silence()])
    assert seen(line, "/voice/voicemail/done") == []
    assert seen(line, "/voice/voicemail/recording") == []
    assert result.said()[-1] == "We did not get a message. Goodbye."


def test_a_say_step_at_a_recording_is_recorded(line: Flask) -> None:
    simulate(line, [press("2"), say("one two")])
    assert seen(line, "/voice/voicemail/done")[0]["RecordingDuration"] == "1"


# --- Running it -------------------------------------------------------------------------------


def test_a_caller_with_an_app_context_pushed_still_gets_one_context_per_request(line: Flask) -> None:
    contexts: list[object] = []

    @line.teardown_appcontext
    def count(_error: BaseException | None) -> None:
        contexts.append(object())

    with line.app_context():
        result = simulate(line, [press("1"), answer()])
    assert result.problems == []
    assert len(contexts) == len(result.requests) + 1  # one per request, and ours


def test_at_pins_the_line_clock_during_the_call_and_restores_it(line: Flask) -> None:
    moment = datetime.fromisoformat("2026-11-26T10:00:00-05:00")
    before = line.config["IVR"]
    result = simulate(line, [press("1"), answer()], at=moment)
    said = result.said()[-1]
    assert said.startswith("Answered at 2026-11-26T10:0")
    assert said != "Answered at 2026-11-26T10:00:00-05:00."  # the clock moved on with the call
    assert line.config["IVR"] is before


def test_remote_mode_calls_a_running_server_over_http(line: Flask) -> None:
    server = make_server("127.0.0.1", 0, line, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        out = io.StringIO()
        result = simulate_remote(
            f"http://127.0.0.1:{server.server_port}",
            [press("1"), press("5"), answer()],
            auth_token=AUTH_TOKEN,
            public_url=PUBLIC_URL,
            out=out,
        )
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
    assert result.problems == []
    assert [url for url, _ in line.extensions["seen"]] == [
        "/voice/incoming",
        "/voice/menu?step=1",
        "/voice/queue/wait",
        "/voice/queue/choice",
        "/voice/queue/wait",
        "/voice/queue/result",
        "/voice/status",
    ]
    assert result.outcome is None
    assert out.getvalue().endswith("Call ended (status sent)\n")


def test_remote_mode_reports_a_server_that_does_not_answer() -> None:
    result = simulate_remote("http://127.0.0.1:9", [], auth_token=AUTH_TOKEN)
    assert result.problems[0].startswith("HTTP error from POST /voice/incoming: no answer")


# --- flask ivr call ---------------------------------------------------------------------------


def test_the_command_keeps_interleaved_steps_in_the_order_given(line: Flask) -> None:
    result = line.test_cli_runner().invoke(
        call_command,
        [
            "--press",
            "1",
            "--press",
            "5",
            "--wait",
            "--say",
            "hello",
            "--confidence",
            "0.3",
            "--press",
            "1",
            "--record",
            "my message",
        ],
    )
    assert result.exit_code == 0, result.output
    assert re.findall(r">> caller (.*)", result.output) == [
        "presses 1",
        "presses 5",
        "stays silent",
        "says 'hello', but this Gather takes no words",
        "presses 1",
        'records "my message" (1 s), then presses #',
    ]
    assert [params["Digits"] for params in seen(line, "/voice/queue/choice")] == ["5", "1"]
    assert result.output.endswith("Call outcome: unknown (this app keeps no call records)\n")


def test_the_command_turns_options_into_steps_in_the_order_given() -> None:
    command = ScriptedCommand("call", params=call_command.params)
    context = command.make_context(
        "call",
        [
            "--say",
            "me golpearon",
            "--confidence",
            "0.4",
            "--press",
            "2",
            "--silence",
            "--press",
            "1",
            "--answer",
        ],
    )
    steps = script_from_options(
        context, {"press": ("2", "1"), "say": ("me golpearon",), "record": (), "confidence": ("0.4",)}
    )
    assert steps == [
        Step("say", "me golpearon", 0.4),
        Step("press", "2"),
        Step("silence"),
        Step("press", "1"),
        Step("answer"),
    ]


def test_the_command_calls_from_the_simulators_own_number_unless_told() -> None:
    # The command writes the number out so that --help needs no simulator; the two must agree.
    assert cli_devtools.DEFAULT_FROM == DEFAULT_FROM


def test_steps_left_over_when_the_call_ends_are_a_problem(line: Flask) -> None:
    result = simulate(line, [press("9"), press("1"), hangup()])
    assert result.said()[-1] == "That is not an option. Goodbye."
    assert result.problems == ["the call ended before the script did: press '1', hangup not used"]


def test_the_command_refuses_at_with_a_remote_server(line: Flask) -> None:
    result = line.test_cli_runner().invoke(
        call_command,
        [
            "--url",
            "http://127.0.0.1:5000",
            "--auth-token",
            AUTH_TOKEN,
            "--at",
            "2026-11-26T10:00:00-05:00",
            "--hangup",
        ],
    )
    assert result.exit_code == 2
    assert "IVR_FIXED_TIME=2026-11-26T10:00:00-05:00" in result.output


def test_the_command_refuses_a_time_without_an_offset(line: Flask) -> None:
    result = line.test_cli_runner().invoke(call_command, ["--at", "2026-11-26T10:00:00", "--hangup"])
    assert result.exit_code == 2
    assert "has no UTC offset" in result.output


def test_confidence_must_follow_a_say(line: Flask) -> None:
    result = line.test_cli_runner().invoke(call_command, ["--confidence", "0.5", "--press", "1"])
    assert result.exit_code == 2
    assert "--confidence goes right after the --say" in result.output


def test_a_script_that_does_not_fit_is_a_clear_error(line: Flask) -> None:
    result = line.test_cli_runner().invoke(call_command, ["--record", "hello"])
    assert result.exit_code == 1
    assert "step 1 (record 'hello') does not fit: the caller is at a menu" in result.output


def test_with_no_steps_the_command_asks_at_each_turn(line: Flask) -> None:
    result = line.test_cli_runner().invoke(call_command, [], input="1\n\nanswer\n")
    assert result.exit_code == 0, result.output
    assert "Press keys, or type words to say (blank = silence, 'hangup' to hang up): " in result.output
    assert "Enter = keep waiting, 'answer' = an operator picks up, 1 = press 1, 'hangup': " in result.output
    assert "[Bridged to an operator]" in result.output
    assert len(seen(line, "/voice/queue/wait")) == 2


def test_typing_at_a_recording_records_it(line: Flask) -> None:
    result = line.test_cli_runner().invoke(call_command, [], input="2\nhello there\n")
    assert result.exit_code == 0, result.output
    assert seen(line, "/voice/voicemail/done")[0]["RecordingDuration"] == "1"


def test_end_of_input_hangs_up(line: Flask) -> None:
    result = line.test_cli_runner().invoke(call_command, [], input="")
    assert result.exit_code == 0, result.output
    assert ">> caller hangs up" in result.output
    assert len(seen(line, "/voice/status")) == 1

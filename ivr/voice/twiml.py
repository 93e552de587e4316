"""Render what the flow decided as TwiML, in the caller's language, through VoiceResponse only."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from xml.etree import ElementTree

from twilio.twiml.voice_response import Gather, VoiceResponse

from ivr.journey.answers import safety_notices
from ivr.journey.machine import CallRecord, Facts, State, Turn
from ivr.journey.menus import MENUS, Menu
from ivr.line import Line
from ivr.prompts.catalog import Day, PromptText, Said, Time
from ivr.rules.hours import LineStatus, Schedule

# Names the `holidays` package gives, to the catalog's keys for them.
HOLIDAY_KEYS = {
    "New Year's Day": "holiday_new_years_day",
    "Birthday of Martin Luther King, Jr.": "holiday_martin_luther_king_jr_day",
    "Martin Luther King Jr. Day": "holiday_martin_luther_king_jr_day",
    "Washington's Birthday": "holiday_washingtons_birthday",
    "Memorial Day": "holiday_memorial_day",
    "Juneteenth National Independence Day": "holiday_juneteenth",
    "Independence Day": "holiday_independence_day",
    "Labor Day": "holiday_labor_day",
    "Columbus Day": "holiday_columbus_day",
    "Veterans Day": "holiday_veterans_day",
    "Thanksgiving Day": "holiday_thanksgiving_day",
    "Thanksgiving": "holiday_thanksgiving_day",
    "Christmas Day": "holiday_christmas_day",
    "Inauguration Day": "holiday_inauguration_day",
}

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'


def document(response: VoiceResponse) -> str:
    """The TwiML document, as `str(response)` writes it, serialised straight to text.

    The library encodes it to UTF-8 bytes and decodes them back: a quarter of the serialising time,
    on every answer the line gives.
    """
    return XML_DECLARATION + ElementTree.tostring(response.xml(), encoding="unicode")


Url = Callable[..., str]  # builds an absolute URL Twilio will call: url("/voice/gather", step=3)


class Speaker:
    """Says prompts to a caller in their language, or in English and Spanish before they chose.

    Languages with a Twilio voice are spoken with <Say>; the others are played from audio files.
    """

    def __init__(self, line: Line, language: str | None, url: Url) -> None:
        self.line = line
        self.url = url
        self.languages = [language] if language in line.phrasebook.voices else ["en", "es"]

    @property
    def language(self) -> str:
        return self.languages[-1] if len(self.languages) > 1 else self.languages[0]

    def say(self, parent: VoiceResponse | Gather, said: Said) -> None:
        for language in [said.language] if said.language else self.languages:
            voice = self.line.phrasebook.voices[language]
            if voice.plays_audio:
                for piece in self.line.audio.pieces(said, language):
                    parent.play(self.url(f"/audio/{piece}"))
            else:
                text = self.line.phrasebook.speak(said, language)
                parent.say(text, voice=voice.voice, language=voice.say_language)

    def say_all(self, parent: VoiceResponse | Gather, said: Sequence[Said]) -> None:
        for item in said:
            self.say(parent, item)

    def hints(self, menu: str) -> list[str]:
        return [hint for language in self.languages for hint in self.line.phrasebook.hints(menu, language)]

    def speech_language(self) -> str | None:
        # Before a language is chosen, listen in Spanish: most callers speak it (domain-facts.md).
        return self.line.phrasebook.voices[self.language].speech_language


def closed_message(status: LineStatus, language: str | None, schedule: Schedule) -> list[Said]:
    """Why the line is closed and when it opens next, e.g. a holiday's name and Monday at 8 AM."""
    said = [Said("closed")]
    if status.reason == "holiday" and status.occasion:
        holiday = HOLIDAY_KEYS.get(status.occasion, "holiday_day_off")
        said.append(Said("closed_holiday", {"holiday": PromptText(holiday)}))
    elif status.reason in ("closure", "short_day") and status.occasion:
        reason = status.occasion_translations.get(language or "en", status.occasion)
        said.append(Said("closed_closure", {"reason": reason}))
    else:
        said.append(opening_hours(status, schedule))
    if status.next_opening is not None and status.opens_later_today:
        said.append(Said("next_opening_today", {"time": Time(status.next_opening)}))
    elif status.next_opening is not None:
        said.append(
            Said("next_opening", {"day": Day(status.next_opening), "time": Time(status.next_opening)})
        )
    return said


def opening_hours(status: LineStatus, schedule: Schedule) -> Said:
    """The operators' hours as schedules/hours.toml has them: those of the day the line next opens."""
    day = status.next_opening.astimezone(schedule.time_zone).date() if status.next_opening else None
    hours = schedule.weekly_hours.get(day.weekday()) if day else None
    opens, closes = hours or next(iter(schedule.weekly_hours.values()))
    # Only the time of day is said; the date merely carries it.
    on = day or date(2026, 1, 5)
    return Said(
        "opening_hours",
        {"opens": Time(datetime.combine(on, opens)), "closes": Time(datetime.combine(on, closes))},
    )


def menu(
    response: VoiceResponse,
    speaker: Speaker,
    menu: Menu,
    call: CallRecord,
    facts: Facts,
    action: str,
    before: Sequence[Said] = (),
    again: bool = False,
) -> None:
    """A menu: notices first, then the prompt inside a Gather that takes keys and, where heard, words."""
    speech_language = speaker.speech_language()
    gather = response.gather(
        input="dtmf speech" if speech_language else "dtmf",
        action=action,
        method="POST",
        action_on_empty_result=True,
        timeout=10 if menu.entry else 6,
        **({"finish_on_key": "#"} if menu.entry else {"num_digits": 1}),
        **({"language": speech_language, "speech_timeout": "auto"} if speech_language else {}),
    )
    hints = speaker.hints(menu.state)
    if speech_language and hints:
        gather.attrs["hints"] = ", ".join(hints)
    speaker.say_all(gather, before)
    speaker.say_all(gather, menu.prompt_said(call, facts, again))


def render(
    line: Line,
    call: CallRecord,
    turn: Turn,
    facts: Facts,
    status: LineStatus,
    url: Url,
    step: int,
) -> VoiceResponse:
    """Turn the flow's decision into the TwiML the caller hears next."""
    response = VoiceResponse()
    speaker = Speaker(line, call.language, url)
    if turn.state in MENUS:
        menu(
            response,
            speaker,
            MENUS[turn.state],
            call,
            facts,
            url("/voice/gather", step=step),
            turn.said,
            turn.again,
        )
    elif turn.state == State.QUEUED:
        speaker.say_all(response, turn.said)
        enqueue(response, speaker, line, call, url, step)
    elif turn.state == State.VOICEMAIL:
        speaker.say_all(response, turn.said)
        voicemail(response, speaker, line, status, call.language, url, step)
    elif turn.state == State.GOODBYE:
        speaker.say_all(response, [*turn.said, Said("goodbye")])
        response.hangup()
    return response


def enqueue(
    response: VoiceResponse,
    speaker: Speaker,
    line: Line,
    call: CallRecord,
    url: Url,
    step: int,
) -> None:
    said = [Said("queue_hold")]
    if call.needs_interpreter:
        said.append(Said("interpreter_hold"))
    speaker.say_all(response, said)
    response.enqueue(
        line.settings.queue_name,
        action=url("/voice/queue/result", step=step),
        method="POST",
        wait_url=url("/voice/queue/wait"),
        wait_url_method="POST",
        max_queue_size=line.settings.queue_max_size,
    )


def voicemail(
    response: VoiceResponse,
    speaker: Speaker,
    line: Line,
    status: LineStatus,
    language: str | None,
    url: Url,
    step: int,
) -> None:
    said = [] if status.is_open else closed_message(status, language, line.schedule)
    minutes = max(line.settings.voicemail_max_seconds // 60, 1)
    said += [Said("voicemail_invitation"), Said("voicemail_instructions", {"minutes": minutes})]
    speaker.say_all(response, said)
    response.record(
        action=url("/voice/voicemail/done", step=step),
        method="POST",
        max_length=line.settings.voicemail_max_seconds,
        finish_on_key="#",
        play_beep=True,
        timeout=10,
        recording_status_callback=url("/voice/voicemail/recording"),
        recording_status_callback_method="POST",
        recording_status_callback_event="completed",
    )
    # Twilio skips the action when it heard nothing and goes on here instead.
    response.redirect(url("/voice/voicemail/done", step=step, empty=1), method="POST")


def safest_next_step(
    line: Line,
    language: str | None,
    status: LineStatus,
    url: Url,
    step: int | None = None,
    *,
    queue: bool = True,
) -> VoiceResponse:
    """After an error on our side: apologise, then an operator if the line is open (and its queue
    usable), else voicemail."""
    response = VoiceResponse()
    speaker = Speaker(line, language, url)
    speaker.say(response, Said("apology"))
    if status.is_open and queue:
        response.enqueue(
            line.settings.queue_name,
            action=url("/voice/queue/result", step=step or 0),
            method="POST",
            wait_url=url("/voice/queue/wait"),
            wait_url_method="POST",
            max_queue_size=line.settings.queue_max_size,
        )
    else:
        # The caller may not have heard the safety notice yet (it comes on hold or before voicemail).
        speaker.say_all(response, safety_notices(line.outside_phone))
        voicemail(response, speaker, line, status, language, url, step or 0)
    return response

"""Refuse a signed voice request whose Twilio ids are not Twilio's: one check, after the signature's.

Twilio signs the URL followed by each parameter's name and value, sorted by name and run together,
with no separator. A captured request can be re-split without breaking its signature: the pair
CallSid=CA…1 and CallStatus=in-progress signs exactly as CallSid=CA…1CallStatusin-progress alone,
and RecordingSid=RE…4RecordingSourceRecordVerb signs as the recording id and its source. Without
this check the first made a phantom call and the second a second voicemail. Every id the webhooks
read is held to Twilio's form (two letters, 32 hex digits), the account to ours.

A refused request never gets a 500. A callback gets a plain 400 (nobody hears it). Where a real
caller or operator could be on the line, they get what the line says when it cannot read a call's
record, with nothing written: Twilio never sends such ids, so whoever sent the request hears it.
"""

from __future__ import annotations

import logging
import re

from flask import Response, current_app, request
from twilio.twiml.voice_response import VoiceResponse

from ivr.config import Settings
from ivr.line import current_line
from ivr.prompts.hold_music import HOLD_MUSIC
from ivr.voice import bp
from ivr.voice.connect import operator_apology
from ivr.voice.recovery import AUDIENCES, CALLBACK, OPERATOR, answer_without_record
from ivr.voice.steps import Moment, url_for_twilio, xml

log = logging.getLogger(__name__)

# Twilio's ids: a two-letter prefix naming the kind of thing, then 32 lowercase hex digits.
SID_PREFIXES = {
    "AccountSid": "AC",
    "CallSid": "CA",
    "ParentCallSid": "CA",
    "QueueSid": "QU",
    "RecordingSid": "RE",
    "ConferenceSid": "CF",
}
SID_DIGITS = re.compile(r"[0-9a-f]{32}")
# Every voice webhook Twilio sends names the account and the call; a conference's own events (its
# start and end) name the conference instead.
REQUIRED = ("AccountSid", "CallSid")
REQUIRED_BY_ENDPOINT = {"voice.conference_events": ("AccountSid", "ConferenceSid")}
# Where Twilio keeps a recording of the line's account: the id at the end must be the recording's.
RECORDING_URL = re.compile(
    r"https://api\.twilio\.com/2010-04-01/Accounts/(?P<account>AC[0-9a-f]{32})"
    r"/Recordings/(?P<recording>RE[0-9a-f]{32})(\.(json|mp3|wav))?"
)
HOLD_PATHS = ("/voice/queue/wait", "/voice/queue/choice")


def is_sid(value: str, prefix: str) -> bool:
    return len(value) == 34 and value.startswith(prefix) and SID_DIGITS.fullmatch(value, 2) is not None


def problem_with_ids(settings: Settings) -> str | None:
    """What is wrong with the request's Twilio ids, in a few words; None when they are all Twilio's."""
    form = request.form
    for name in REQUIRED_BY_ENDPOINT.get(request.endpoint or "", REQUIRED):
        if name not in form:
            return f"no {name}"
    for name, prefix in SID_PREFIXES.items():
        values = form.getlist(name)
        if len(values) > 1:
            return f"{name} given {len(values)} times"
        if values and not is_sid(values[0], prefix):
            return f"{name} is not a Twilio {prefix} id"
    account = form.get("AccountSid")
    if account is not None and settings.twilio_account_sid and account != settings.twilio_account_sid:
        return "AccountSid is not the line's account"
    url = form.get("RecordingUrl")
    if url is not None:
        return problem_with_recording_url(url, form.get("RecordingSid"), settings)
    return None


def problem_with_recording_url(url: str, recording_sid: str | None, settings: Settings) -> str | None:
    """A recording must be the line's at Twilio (or, outside production, the simulator's file)."""
    if url.startswith("file:") and settings.env != "production":
        return None
    found = RECORDING_URL.fullmatch(url)
    if found is None:
        return "RecordingUrl is not a recording at Twilio"
    if settings.twilio_account_sid and found["account"] != settings.twilio_account_sid:
        return "RecordingUrl is not the line's account"
    if recording_sid is not None and found["recording"] != recording_sid:
        return "RecordingUrl names another recording than RecordingSid"
    return None


@bp.before_request
def require_twilio_ids() -> Response | None:
    """Registered after the signature check: only a signed request's ids are worth reading."""
    problem = problem_with_ids(current_app.config["IVR"])
    if problem is None:
        return None
    log.warning("refused voice request with malformed ids: %s (%s)", request.path, problem)
    return refusal(problem)


def refusal(problem: str) -> Response:
    """The answer to a request with ids Twilio never sends, by who may be listening."""
    audience = AUDIENCES.get(current_app.view_functions.get(request.endpoint or ""))
    if audience == CALLBACK:
        return Response(f"Refused: {problem}.\n", status=400, mimetype="text/plain")
    response = VoiceResponse()
    if audience == OPERATOR:
        return operator_apology()
    if request.path in HOLD_PATHS:
        # A caller on hold keeps their place: music, and Twilio asks the wait URL again.
        response.play(url_for_twilio("/audio/" + HOLD_MUSIC))
        return xml(response)
    return answer_without_record(Moment(current_line()))

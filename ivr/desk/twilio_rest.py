"""Twilio's REST API as the desk uses it, through the `twilio` library: ring, move, add, end.

Every request goes through the library's HTTP client with a timeout (IVR_TWILIO_TIMEOUT): a slow
Twilio must not hold a worker for long. Tests give the client an HTTP client that records requests;
development without a Twilio account sends them to the simulator's stand-in (IVR_TWILIO_API_URL).
The library costs a web worker ~10 MB, so it is imported when the first request is made.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from ivr.config import Settings
from ivr.models import Reach

if TYPE_CHECKING:
    from twilio.http import HttpClient
    from twilio.rest import Client

log = logging.getLogger(__name__)

# The webhooks of a connection, under the voice blueprint (ivr/voice/connect.py registers them).
OPERATOR_ANSWERED = "/voice/connect/operator"  # the operator picked up: the whisper
OPERATOR_JOINS = "/voice/connect/join"  # the whisper heard: the operator into the room, the caller moved
OPERATOR_DECLINED = "/voice/connect/declined"  # no key pressed after the whisper (a phone's voicemail)
OPERATOR_TOLD_CALLER_LEFT = "/voice/connect/gone"
OPERATOR_LEG_STATUS = "/voice/connect/operator-status"
CALLER_JOINS = "/voice/connect/caller"
CONFERENCE_EVENTS = "/voice/connect/conference"
PARTICIPANT_STATUS = "/voice/connect/participant-status"


def identity(operator_id: int) -> str:
    """The browser phone's identity of an operator: `client:<identity>`; no name or email in it."""
    return f"operator-{operator_id}"


def address(reach_by: str, reach_address: str | None, operator_id: int) -> str:
    """Where an operator is rung: their browser, a phone number, or a SIP address."""
    if reach_by == Reach.BROWSER or not reach_address:
        return f"client:{identity(operator_id)}"
    if reach_by == Reach.SIP and not reach_address.startswith("sip:"):
        return f"sip:{reach_address}"
    return reach_address


@dataclass(frozen=True)
class Urls:
    """The absolute URLs Twilio requests for a connection, on the line's public address."""

    public_url: str

    def of(self, path: str, connection_id: int, **query: str) -> str:
        return f"{self.public_url}{path}?{urlencode({'connection': connection_id} | query)}"


def make_http_client(settings: Settings) -> HttpClient:
    """The library's HTTP client for these settings: Twilio itself, or in development its stand-in."""
    from twilio.http.http_client import TwilioHttpClient

    from ivr.desk.http_clients import NoTwilio, StandInHttpClient

    if settings.twilio_api_url:
        return StandInHttpClient(settings.twilio_api_url, timeout=settings.twilio_timeout_seconds)
    if settings.env == "testing":
        return NoTwilio()
    return TwilioHttpClient(timeout=settings.twilio_timeout_seconds)


def make_client(settings: Settings, http_client: HttpClient | None = None) -> Client:
    """A REST client for the line's account, through `http_client` (by default as `make_http_client`)."""
    from twilio.rest import Client

    return Client(
        settings.twilio_account_sid,
        settings.twilio_auth_token,
        http_client=http_client or make_http_client(settings),
    )


class Rest:
    """The few REST requests the desk makes, each one named for what it does to a call."""

    def __init__(self, client: Client, settings: Settings) -> None:
        self.client = client
        self.settings = settings
        self.urls = Urls(settings.public_url)

    def ring_operator(self, connection_id: int, to: str) -> str:
        """Call the operator; their leg hears the whisper when they answer. Returns its CallSid."""
        call = self.client.calls.create(
            to=to,
            from_=self.settings.caller_id,
            url=self.urls.of(OPERATOR_ANSWERED, connection_id),
            method="POST",
            status_callback=self.urls.of(OPERATOR_LEG_STATUS, connection_id),
            status_callback_method="POST",
            status_callback_event=["completed"],
            timeout=self.settings.ring_seconds,
        )
        return str(call.sid)

    def move_caller(self, connection_id: int, call_sid: str) -> None:
        """Take the caller out of the queue: their call goes on with the conference's TwiML."""
        self.client.calls(call_sid).update(url=self.urls.of(CALLER_JOINS, connection_id), method="POST")

    def stop_ringing(self, call_sid: str) -> None:
        self.client.calls(call_sid).update(status="canceled")

    def tell_operator_caller_left(self, connection_id: int, call_sid: str) -> None:
        self.client.calls(call_sid).update(
            url=self.urls.of(OPERATOR_TOLD_CALLER_LEFT, connection_id), method="POST"
        )

    def add_participant(self, connection_id: int, conference_sid: str, to: str, label: str) -> str:
        """Dial a number into the conference (an interpreter, a field office); returns its CallSid."""
        participant = self.client.conferences(conference_sid).participants.create(
            from_=self.settings.caller_id,
            to=to,
            label=label,
            beep="false",
            early_media=True,
            end_conference_on_exit=False,
            timeout=max(self.settings.ring_seconds, 30),
            status_callback=self.urls.of(PARTICIPANT_STATUS, connection_id, label=label),
            status_callback_method="POST",
            status_callback_event=["completed"],
        )
        return str(participant.call_sid)

    def let_operator_leave(self, conference_sid: str, operator_call_sid: str) -> None:
        """The operator may hang up without ending the call: the caller stays with whoever was added."""
        self.client.conferences(conference_sid).participants(operator_call_sid).update(
            end_conference_on_exit=False
        )

    def hold(self, conference_sid: str, call_sid: str, on: bool) -> None:
        self.client.conferences(conference_sid).participants(call_sid).update(hold=on)

    def end_conference(self, conference_sid: str) -> None:
        self.client.conferences(conference_sid).update(status="completed")


def describe(error: Exception) -> str:
    """An error from the library, for a log line: its kind and Twilio's code, never its parameters."""
    code: Mapping[str, Any] | Any = getattr(error, "code", None)
    status = getattr(error, "status", None)
    return f"{type(error).__name__}" + (f" (HTTP {status}, Twilio error {code})" if status else "")


# Twilio's answers to a request about a call that has ended: not found, or not in progress.
CALL_OVER_CODES = frozenset({20404, 21220})


def call_is_over(error: Exception) -> bool:
    """Whether Twilio refused a request because the call has ended."""
    return getattr(error, "code", None) in CALL_OVER_CODES

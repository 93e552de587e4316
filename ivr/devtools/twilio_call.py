"""Twilio's side of a simulated call: signed requests to the line, each answer checked, the transcript."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO
from urllib.parse import urlsplit
from xml.etree import ElementTree

from twilio.request_validator import RequestValidator

from ivr.devtools import twiml_rules
from ivr.devtools.caller import Caller
from ivr.devtools.transport import TWILIO_TIMEOUT_SECONDS, Transport, signed

DEFAULT_FROM = "+15555550123"
LINE_NUMBER = "+18883514024"
TEST_ACCOUNT_SID = "AC" + "0" * 32
# A line that redirects to itself forever would never end a scripted call.
MAX_REQUESTS = 500


@dataclass
class Heard:
    """One verb the caller met, in order: what was said, played, or done to the call."""

    verb: str
    text: str
    language: str | None = None
    voice: str | None = None
    url: str | None = None


@dataclass
class CallResult:
    call_sid: str
    heard: list[Heard] = field(default_factory=list)
    outcome: str | None = None
    twiml: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def said(self) -> list[str]:
        """The text of every <Say>, in the order the caller heard them."""
        return [heard.text for heard in self.heard if heard.verb == "Say"]

    def said_text(self) -> str:
        return " ".join(self.said())

    def requests_to(self, path: str) -> list[dict[str, str]]:
        """The parameters of every request whose URL path is `path`, e.g. "/voice/queue/wait"."""
        return [params for url, params in self.requests if urlsplit(url).path == path]


class TwilioCall:
    """One call as Twilio holds it: requests to the line, the call's clock and what the caller heard.

    `Simulation` acts out the TwiML on top of this; this part only talks to the line and keeps records.
    """

    def __init__(
        self,
        transport: Transport,
        caller: Caller,
        *,
        public_url: str,
        auth_token: str,
        account_sid: str = TEST_ACCOUNT_SID,
        from_number: str = DEFAULT_FROM,
        to_number: str = LINE_NUMBER,
        max_wait_loops: int | None = 20,
        repeat_callbacks: bool = False,
        out: TextIO | None = None,
        on_request: Callable[[float], None] | None = None,
    ) -> None:
        self.transport = transport
        self.caller = caller
        self.public_url = public_url.rstrip("/")
        self.validator = RequestValidator(auth_token)
        self.account_sid = account_sid
        self.from_number = from_number
        self.to_number = to_number
        self.max_wait_loops = max_wait_loops
        self.repeat_callbacks = repeat_callbacks
        self.out = out
        self.on_request = on_request
        self.result = CallResult(call_sid="CA" + uuid.uuid4().hex)
        self.clock = 0.0  # simulated seconds since the line answered
        self.final_status = "completed"

    # - talking to the line -

    def params(self, **extra: str) -> dict[str, str]:
        return {
            "CallSid": self.result.call_sid,
            "AccountSid": self.account_sid,
            "From": self.from_number,
            "To": self.to_number,
            "CallStatus": "in-progress",
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
        } | extra

    def fetch(
        self,
        url: str,
        method: str = "POST",
        context: str = "call",
        extra: dict[str, str] | None = None,
        *,
        counted: bool = True,
    ) -> ElementTree.Element | None:
        """Request a URL as Twilio does, signed; return the TwiML answered, or None when it failed."""
        if counted and len(self.result.requests) >= MAX_REQUESTS:
            self.problem(f"more than {MAX_REQUESTS} requests in one call: is the line in a loop?")
            return None
        method = method.upper() if method.upper() in ("GET", "POST") else "POST"
        params = self.params(**(extra or {}))
        url, signature = signed(self.validator, method, url, params)
        self.result.requests.append((url, params))
        parts = urlsplit(url)
        shown = parts.path + (f"?{parts.query}" if parts.query and method == "POST" else "")
        self.echo(f"   -> {method} {shown}")
        if self.on_request is not None:
            self.on_request(self.clock)
        reply = self.transport.send(method, url, params, signature)
        where = f"{method} {shown}"
        if reply.seconds > TWILIO_TIMEOUT_SECONDS:
            self.problem(f"{where} took {reply.seconds:.0f} s: Twilio gives up after 15 s")
        if not 200 <= reply.status < 300:
            detail = f": {reply.body[:200]}" if reply.status == 0 else ""
            self.problem(f"HTTP {reply.status or 'error'} from {where}{detail}")
            return None
        self.result.twiml.append(reply.body)
        if reply.content_type not in ("text/xml", "application/xml"):
            self.problem(f"{where} answered {reply.content_type or 'no content type'}, not text/xml")
        for found in twiml_rules.problems(reply.body, context):
            self.problem(f"{where}: {found}", twiml=True)
        try:
            # The TwiML comes from the line under test.
            return ElementTree.fromstring(reply.body)  # noqa: S314 - the line's own TwiML, in development
        except ElementTree.ParseError:
            return None

    def problem(self, text: str, *, twiml: bool = False) -> None:
        self.result.problems.append(text)
        self.echo(f"!! TwiML problem: {text}" if twiml else f"!! {text}")

    def echo(self, line: str) -> None:
        if self.out is not None:
            print(line, file=self.out)

    def hear(self, verb: str, text: str, **details: str | None) -> None:
        self.result.heard.append(Heard(verb, text, **details))

    def send_status(self) -> None:
        duration = max(1, round(self.clock)) if self.final_status == "completed" else 0
        status_url = self.public_url + "/voice/status"
        for _ in range(2 if self.repeat_callbacks else 1):
            self.fetch(
                status_url,
                "POST",
                "callback",
                {"CallStatus": self.final_status, "CallDuration": str(duration)},
                counted=False,
            )

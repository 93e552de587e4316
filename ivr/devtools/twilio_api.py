"""A stand-in for Twilio's REST API, for tests and the simulator: each request recorded, answered as
Twilio's documentation answers it (the Call, Participant and Conference resources as JSON; the
Account and IncomingPhoneNumber resources `flask ivr twilio configure` reads and updates), and
turned into an event the simulator acts on (an operator's phone rings, a caller is moved).

The app reaches it through the `twilio` library's own HTTP client interface: in this process with
`InProcessApiClient` (tests, `flask ivr call`), or over HTTP with `serve` (`flask ivr call --url`,
the development server's requests sent here by ivr.desk.http_clients.StandInHttpClient).
"""

from __future__ import annotations

import json
import queue
import re
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from twilio.http import HttpClient
from twilio.http.response import Response

API = "https://api.twilio.com/2010-04-01/Accounts/"
_PATH = re.compile(
    r"^/2010-04-01/Accounts/(?P<account>AC\w+)/(?P<resource>Calls|Conferences)"
    r"(?:/(?P<sid>[^/.]+))?(?:/(?P<sub>Participants)(?:/(?P<participant>[^/.]+))?)?\.json$"
)
_ACCOUNT_PATH = re.compile(
    r"^/2010-04-01/Accounts/(?P<account>AC\w+)(?:/IncomingPhoneNumbers(?:/(?P<number>PN\w+))?)?\.json$"
)
# The fields of an IncomingPhoneNumber that the line sets, by their names in a request and in JSON.
NUMBER_FIELDS = {
    "VoiceUrl": "voice_url",
    "VoiceMethod": "voice_method",
    "VoiceFallbackUrl": "voice_fallback_url",
    "VoiceFallbackMethod": "voice_fallback_method",
    "StatusCallback": "status_callback",
    "StatusCallbackMethod": "status_callback_method",
    "VoiceApplicationSid": "voice_application_sid",
}


@dataclass(frozen=True)
class ApiRequest:
    """One request the app made to Twilio's API: what a test asserts on."""

    method: str
    path: str  # e.g. /2010-04-01/Accounts/AC.../Calls.json
    data: dict[str, str | list[str]]
    at: float  # time.perf_counter() when it arrived

    @property
    def resource(self) -> str:
        """The path after the account, e.g. "Calls.json" or "Conferences/CF.../Participants.json"."""
        return self.path.split("/", 4)[-1]


@dataclass
class Event:
    """What Twilio would now do to a call: ring a new one, run new TwiML on one, end one, end a room."""

    kind: str  # ring, redirect, cancel, complete, dial_in, end_conference
    call_sid: str = ""
    url: str = ""
    details: dict[str, str | list[str]] = field(default_factory=dict)


class FakeTwilioApi:
    """The Calls and Conferences resources as the line uses them, answered as Twilio documents them."""

    def __init__(self, account_sid: str = "AC" + "0" * 32) -> None:
        self.account_sid = account_sid
        self.requests: list[ApiRequest] = []
        self.events: queue.Queue[Event] = queue.Queue()
        self.calls: dict[str, dict[str, Any]] = {}
        self.ended: set[str] = set()  # calls Twilio would refuse to redirect (error 21220)
        self._failures: list[tuple[str, int, int, str]] = []  # (resource pattern, status, code, message)
        self._lock = threading.Lock()
        self.account = {"sid": account_sid, "status": "active", "type": "Full", "friendly_name": "The line"}
        self.numbers: dict[str, dict[str, Any]] = {}  # by PN sid, as Twilio describes them

    def add_number(self, phone_number: str, **fields: str | None) -> dict[str, Any]:
        """A number the account owns, with its current settings (e.g. voice_url=...)."""
        sid = "PN" + uuid.uuid4().hex
        blank = dict.fromkeys(NUMBER_FIELDS.values()) | {"voice_method": "POST", "trunk_sid": None}
        self.numbers[sid] = (
            blank
            | fields
            | {
                "sid": sid,
                "account_sid": self.account_sid,
                "phone_number": phone_number,
                "friendly_name": phone_number,
                "uri": f"/2010-04-01/Accounts/{self.account_sid}/IncomingPhoneNumbers/{sid}.json",
            }
        )
        return self.numbers[sid]

    # - what a test or the simulator sets up -

    def fail_next(self, pattern: str, status: int = 400, code: int = 21220, message: str = "") -> None:
        """Answer the next request whose resource matches `pattern` (a regex) with Twilio's error body."""
        self._failures.append((pattern, status, code, message or "Call is not in-progress. Cannot redirect."))

    def end_call(self, call_sid: str) -> None:
        self.ended.add(call_sid)

    def requests_to(self, pattern: str) -> list[ApiRequest]:
        return [request for request in self.requests if re.search(pattern, request.resource)]

    # - a request -

    def handle(
        self, method: str, url: str, data: Mapping[str, Any], params: Mapping[str, Any] | None = None
    ) -> tuple[int, dict[str, Any]]:
        parts = urlsplit(url)
        path = parts.path
        values = {name: _text(value) for name, value in data.items()}
        query = {name: _text(value) for name, value in (params or {}).items()}
        query |= {name: found[0] for name, found in parse_qs(parts.query).items()}
        with self._lock:
            request = ApiRequest(method.upper(), path, values, time.perf_counter())
            self.requests.append(request)
            for index, (pattern, status, code, message) in enumerate(self._failures):
                if re.search(pattern, request.resource):
                    del self._failures[index]
                    return status, _error(status, code, message)
            account = _ACCOUNT_PATH.match(path)
            if account is not None:
                return self._account(request, account, query)
            found = _PATH.match(path)
            if found is None or request.method != "POST":
                return 404, _error(404, 20404, f"The requested resource {path} was not found")
            if found["resource"] == "Calls":
                return self._call(found["sid"], values)
            if found["sub"] is None:
                return self._conference(found["sid"], values)
            return self._participant(found["sid"], found["participant"], values)

    def _account(
        self, request: ApiRequest, found: re.Match[str], query: Mapping[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        if found["account"] != self.account_sid:
            return 401, _error(401, 20003, "Authenticate")
        if found["number"] is None:
            if request.method != "GET":  # buying a number or changing the account: not the line's work
                return 405, _error(405, 20004, "Method not allowed")
            if not request.path.endswith("/IncomingPhoneNumbers.json"):
                return 200, self.account
            # The list of the account's numbers, filtered by PhoneNumber as the line asks it.
            wanted = query.get("PhoneNumber")
            listed = [n for n in self.numbers.values() if wanted in (None, n["phone_number"])]
            return 200, {"incoming_phone_numbers": listed, "next_page_uri": None, "page": 0, "page_size": 50}
        number = self.numbers.get(found["number"])
        if number is None:
            return 404, _error(404, 20404, f"The requested resource {request.path} was not found")
        if request.method == "POST":
            for name, value in request.data.items():
                if name in NUMBER_FIELDS:
                    number[NUMBER_FIELDS[name]] = value or None
        return 200, number

    def _call(self, sid: str | None, data: dict[str, str | list[str]]) -> tuple[int, dict[str, Any]]:
        if sid is None:
            sid = "CA" + uuid.uuid4().hex
            call = self.calls[sid] = self._call_resource(sid, data, "queued")
            self.events.put(Event("ring", sid, str(data.get("Url", "")), data))
            return 201, call
        if sid in self.ended:
            return 400, _error(400, 21220, "Call is not in-progress. Cannot redirect.")
        call = self.calls.setdefault(sid, self._call_resource(sid, {}, "in-progress"))
        if "Url" in data:
            call["status"] = "in-progress"
            self.events.put(Event("redirect", sid, str(data["Url"]), data))
        elif data.get("Status") in ("canceled", "completed"):
            call["status"] = str(data["Status"])
            self.ended.add(sid)
            self.events.put(Event("cancel" if data["Status"] == "canceled" else "complete", sid))
        return 200, call

    def _conference(self, sid: str | None, data: dict[str, str | list[str]]) -> tuple[int, dict[str, Any]]:
        status = str(data.get("Status", "in-progress"))
        if status == "completed":
            self.events.put(Event("end_conference", details={"ConferenceSid": sid or ""}))
        return 200, {
            "account_sid": self.account_sid,
            "sid": sid,
            "friendly_name": sid,
            "status": status,
            "region": "us1",
            "api_version": "2010-04-01",
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Conferences/{sid}.json",
        }

    def _participant(
        self, conference_sid: str | None, call_sid: str | None, data: dict[str, str | list[str]]
    ) -> tuple[int, dict[str, Any]]:
        created = call_sid is None
        call_sid = call_sid or "CA" + uuid.uuid4().hex
        if created:
            self.events.put(Event("dial_in", call_sid, "", data | {"ConferenceSid": conference_sid or ""}))
        participant = {
            "account_sid": self.account_sid,
            "call_sid": call_sid,
            "conference_sid": conference_sid,
            "label": data.get("Label"),
            "status": "queued" if created else "connected",
            "muted": data.get("Muted") == "true",
            "hold": data.get("Hold") == "true",
            "coaching": False,
            "end_conference_on_exit": data.get("EndConferenceOnExit") == "true",
            "start_conference_on_enter": data.get("StartConferenceOnEnter", "true") == "true",
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Conferences/{conference_sid}"
            f"/Participants/{call_sid}.json",
        }
        return (201 if created else 200), participant

    def _call_resource(self, sid: str, data: Mapping[str, Any], status: str) -> dict[str, Any]:
        return {
            "sid": sid,
            "account_sid": self.account_sid,
            "to": data.get("To"),
            "from": data.get("From"),
            "status": status,
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "parent_call_sid": None,
            "queue_time": "0",
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Calls/{sid}.json",
        }


def _text(value: Any) -> str | list[str]:
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return str(value)


def _error(status: int, code: int, message: str) -> dict[str, Any]:
    """Twilio's error body (its legacy format, which the library turns into TwilioRestException)."""
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


class AnswersTwilio(Protocol):
    """What stands in for Twilio's REST API: the simulator's FakeTwilioApi, or a test's own."""

    def handle(
        self, method: str, url: str, data: Mapping[str, Any], params: Mapping[str, Any] | None = None
    ) -> tuple[int, dict[str, Any] | None]: ...


class InProcessApiClient(HttpClient):  # type: ignore[misc]  # the library is untyped
    """The `twilio` library's HTTP client, answering from a stand-in in this process."""

    def __init__(self, api: AnswersTwilio) -> None:
        super().__init__(None, False, None)
        self.api = api

    def request(
        self,
        method: str,
        uri: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        status, body = self.api.handle(method, uri, data or {}, params or {})
        return Response(status, json.dumps(body) if body is not None else "")


def serve(api: AnswersTwilio, host: str, port: int) -> ThreadingHTTPServer:
    """Answer Twilio's API over HTTP on host:port in a background thread (stop with .shutdown())."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
            data = {name: values if len(values) > 1 else values[0] for name, values in form.items()}
            status, body = api.handle(self.command, self.path, data)
            payload = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_DELETE = _answer  # noqa: N815 - http.server's names

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's name
            return  # the simulator prints what matters

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, name="twilio-api-stand-in", daemon=True).start()
    return server

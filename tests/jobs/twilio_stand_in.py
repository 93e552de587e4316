"""Twilio's REST API as the jobs use it (Messages, Recordings, a Call's status), answered as Twilio
documents it: in this process through the `twilio` library's HTTP client (the seam), or over HTTP for
scheduler processes started by a test (IVR_TWILIO_API_URL)."""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from ivr.devtools.twilio_api import InProcessApiClient, _error
from ivr.devtools.twilio_api import serve as serve_on

# The `twilio` library's HTTP client answering from a TwilioForJobs in this process.
InProcess = InProcessApiClient

ACCOUNT = "AC" + "0" * 32


@dataclass(frozen=True)
class Sent:
    method: str
    resource: str  # after the account: "Messages.json", "Recordings/RE....json", "Calls/CA....json"
    data: dict[str, str]


@dataclass
class TwilioForJobs:
    requests: list[Sent] = field(default_factory=list)
    call_status: dict[str, dict[str, str]] = field(default_factory=dict)  # CallSid: status, duration
    recordings: set[str] = field(default_factory=set)  # recordings Twilio has
    failures: list[tuple[str, int]] = field(default_factory=list)  # (resource pattern, HTTP status)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, pattern: str, status: int = 500, times: int = 1) -> None:
        self.failures += [(pattern, status)] * times

    def messages(self) -> list[dict[str, str]]:
        return [r.data for r in self.requests if r.method == "POST" and r.resource == "Messages.json"]

    def deleted_recordings(self) -> list[str]:
        return [r.resource.split("/")[1].removesuffix(".json") for r in self.requests if r.method == "DELETE"]

    def handle(
        self, method: str, url: str, data: Mapping[str, Any], params: Mapping[str, Any] | None = None
    ) -> tuple[int, dict[str, Any] | None]:
        path = urlsplit(url).path
        resource = path.split(f"/Accounts/{ACCOUNT}/", 1)[-1]
        with self.lock:
            self.requests.append(Sent(method.upper(), resource, {k: str(v) for k, v in data.items()}))
            for index, (pattern, status) in enumerate(self.failures):
                if re.search(pattern, resource):
                    del self.failures[index]
                    return status, _error(status, 20500, "Internal Server Error")
            if method.upper() == "POST" and resource == "Messages.json":
                return 201, {
                    "sid": "SM" + uuid.uuid4().hex,
                    "account_sid": ACCOUNT,
                    "to": data.get("To"),
                    "from": data.get("From"),
                    "body": data.get("Body"),
                    "status": "queued",
                    "num_segments": "1",
                    "direction": "outbound-api",
                    "api_version": "2010-04-01",
                }
            found = re.fullmatch(r"Recordings/(RE\w+)\.json", resource)
            if method.upper() == "DELETE" and found:
                if found[1] not in self.recordings:
                    return 404, _error(404, 20404, f"The requested resource {path} was not found")
                self.recordings.discard(found[1])
                return 204, None
            found = re.fullmatch(r"Calls/(CA\w+)\.json", resource)
            if method.upper() == "GET" and found and found[1] in self.call_status:
                return 200, {
                    "sid": found[1],
                    "account_sid": ACCOUNT,
                    "status": self.call_status[found[1]]["status"],
                    "duration": self.call_status[found[1]].get("duration"),
                    "api_version": "2010-04-01",
                }
            return 404, _error(404, 20404, f"The requested resource {path} was not found")


def serve(api: TwilioForJobs) -> ThreadingHTTPServer:
    """Answer over HTTP on a free loopback port (stop with .shutdown())."""
    return serve_on(api, "127.0.0.1", 0)

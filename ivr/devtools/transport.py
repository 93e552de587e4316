"""How the simulator's requests reach the line: signed as Twilio signs, sent in-process or over HTTP."""

from __future__ import annotations

import contextvars
import time
import urllib.error
import urllib.request
from typing import NamedTuple, Protocol
from urllib.parse import urlencode, urlsplit

from flask import Flask
from twilio.request_validator import RequestValidator

from ivr.devtools.caller import SimulatorError

TWILIO_TIMEOUT_SECONDS = 15  # Twilio gives up on a webhook after this long


def signed(validator: RequestValidator, method: str, url: str, params: dict[str, str]) -> tuple[str, str]:
    """The URL Twilio requests and its X-Twilio-Signature, for a GET or a POST with these parameters."""
    if method == "GET":
        # Twilio puts GET parameters in the query string and signs the whole URL.
        url = url + ("&" if "?" in url else "?") + urlencode(params)
        return url, validator.compute_signature(url, {})
    return url, validator.compute_signature(url, params)


class Reply(NamedTuple):
    status: int
    body: str
    content_type: str
    seconds: float


class Transport(Protocol):
    def send(self, method: str, url: str, params: dict[str, str], signature: str) -> Reply: ...


class InProcess:
    """Requests go to the app's test client; the URL's path and query are what the line sees."""

    def __init__(self, app: Flask) -> None:
        self.client = app.test_client()

    def send(self, method: str, url: str, params: dict[str, str], signature: str) -> Reply:
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        base = f"{parts.scheme}://{parts.netloc}"
        headers = {"X-Twilio-Signature": signature}

        def request() -> Reply:
            started = time.monotonic()
            if method == "GET":
                response = self.client.get(path, base_url=base, headers=headers)
            else:
                response = self.client.post(path, base_url=base, data=params, headers=headers)
            body = response.get_data(as_text=True)
            # Closed as a server closes it once sent: the line's work after an answer runs here
            # (ivr.desk.after_response), before the next request, as it would between two.
            response.close()
            return Reply(response.status_code, body, response.mimetype or "", time.monotonic() - started)

        # An empty context: each request pushes its own app context and tears it down, as under a
        # server, even when the caller (a CLI command, a test) already has one pushed.
        return contextvars.Context().run(request)


class OverHttp:
    """Requests go over HTTP to a running server; the URL's path and query go to `base_url`."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise SimulatorError(f"--url {base_url!r} must be an http(s) address, e.g. http://127.0.0.1:5000")
        self.base = f"{parts.scheme}://{parts.netloc}"

    def send(self, method: str, url: str, params: dict[str, str], signature: str) -> Reply:
        parts = urlsplit(url)
        target = self.base + parts.path + (f"?{parts.query}" if parts.query else "")
        data = urlencode(params).encode() if method == "POST" else None
        request = urllib.request.Request(  # noqa: S310 - the scheme was checked to be http(s)
            target, data=data, method=method, headers={"X-Twilio-Signature": signature}
        )
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=TWILIO_TIMEOUT_SECONDS) as response:  # noqa: S310 - as above
                body = response.read().decode("utf-8", errors="replace")
                return Reply(
                    response.status,
                    body,
                    response.headers.get_content_type(),
                    time.monotonic() - started,
                )
        except urllib.error.HTTPError as error:
            with error:
                body = error.read().decode("utf-8", errors="replace")
                return Reply(error.code, body, error.headers.get_content_type(), time.monotonic() - started)
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            reason = getattr(error, "reason", error)
            return Reply(0, f"no answer: {reason}", "", time.monotonic() - started)

"""HTTP clients for the `twilio` library that do not talk to Twilio: a development stand-in, a refusal.

Imported only when the first REST request is made (the library and `requests` cost a worker ~10 MB).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from twilio.base.exceptions import TwilioException
from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient

log = logging.getLogger(__name__)


class StandInHttpClient(TwilioHttpClient):  # type: ignore[misc]  # the library is untyped
    """Development without a Twilio account: requests meant for api.twilio.com go to a local stand-in.

    It lives here, not in ivr.devtools: the development server makes these requests, and a web
    worker never imports developer tools. It only changes where each request goes; the stand-in
    itself (ivr/devtools/twilio_api.py) is served by the simulator, `flask ivr call`.
    """

    def __init__(self, base_url: str, timeout: int) -> None:
        super().__init__(timeout=timeout)
        self.base_url = base_url.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        parts = urlsplit(url)
        local = self.base_url + parts.path + (f"?{parts.query}" if parts.query else "")
        return super().request(method, local, *args, **kwargs)


class NoTwilio(HttpClient):  # type: ignore[misc]  # the library is untyped
    """A testing line's HTTP client until a test gives it one: every request is refused."""

    def __init__(self) -> None:
        super().__init__(log, False, None)

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        raise TwilioException(f"no Twilio in tests: {method} {urlsplit(url).path}")

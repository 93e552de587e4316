"""A voicemail's recording, fetched by the app with its Twilio credentials for a browser that never sees them.

Twilio keeps recordings at https://api.twilio.com/2010-04-01/Accounts/<account>/Recordings/<sid>;
the app asks for the MP3 with HTTP basic auth (requests drops the credentials if Twilio redirects
to another host) and streams it on. Credentials go only to that address of the line's own account.

In development and tests the simulator is Twilio: its recording URL is a `file:` URL of a WAV or
MP3 on this machine, served from disk; or, like the desk's REST requests, the media is asked of
Twilio's API stand-in (IVR_TWILIO_API_URL). A production line does neither (the settings refuse a
stand-in there).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from flask import current_app

from ivr.config import Settings

if TYPE_CHECKING:
    import requests

TWILIO_HOST = "api.twilio.com"
AUDIO_TYPES = {".mp3": "audio/mpeg", ".wav": "audio/wav"}
CHUNK = 64 * 1024
READ_SECONDS = 30  # a long message still arrives well within this between two chunks


class RecordingUnavailable(Exception):
    """The recording cannot be had now; the message says why, for the log (no URL, no credentials)."""


@dataclass(frozen=True)
class Stream:
    """A recording as Twilio sends it: its bytes in chunks, its type, its length if Twilio says it."""

    chunks: Iterator[bytes]
    mimetype: str
    length: str | None
    close: Callable[[], None]  # ends the connection to Twilio, once the browser has it all


class Recordings:
    """Where recordings come from: Twilio, with the account's credentials, or the simulator's files."""

    def __init__(self, settings: Settings, http: requests.Session | None = None) -> None:
        self.settings = settings
        self._http = http

    @property
    def http(self) -> requests.Session:
        if self._http is None:
            # requests comes with the twilio library; loaded when the first recording is played.
            import requests

            self._http = requests.Session()
        return self._http

    def local_file(self, url: str) -> Path | None:
        """The simulator's recording on this machine, outside production; None for any other URL."""
        parts = urlsplit(url)
        if parts.scheme != "file" or self.settings.env == "production":
            return None
        path = Path(unquote(parts.path))
        if path.suffix.lower() not in AUDIO_TYPES:
            raise RecordingUnavailable("a local recording that is not a WAV or MP3 file")
        if not path.is_file():
            raise RecordingUnavailable("the simulator's recording file is missing")
        return path

    def twilio_media_url(self, url: str) -> str:
        """The MP3 of a recording of the line's account at Twilio; RecordingUnavailable for anything else."""
        parts = urlsplit(url)
        account = f"/2010-04-01/Accounts/{self.settings.twilio_account_sid}/Recordings/"
        if parts.scheme != "https" or parts.hostname != TWILIO_HOST or not parts.path.startswith(account):
            raise RecordingUnavailable("a recording URL that is not one of the account's at Twilio")
        path = parts.path.removesuffix(".json")
        media = path if path.endswith((".mp3", ".wav")) else path + ".mp3"
        return (self.settings.twilio_api_url or f"https://{TWILIO_HOST}") + media

    def stream(self, url: str) -> Stream:
        """Start fetching a recording from Twilio with the account's credentials."""
        media = self.twilio_media_url(url)
        try:
            answer = self.http.get(
                media,
                auth=(self.settings.twilio_account_sid, self.settings.twilio_auth_token),
                stream=True,
                timeout=(self.settings.twilio_timeout_seconds, READ_SECONDS),
            )
        except Exception as error:  # noqa: BLE001 - requests' errors: a network that failed
            raise RecordingUnavailable(f"Twilio could not be reached ({type(error).__name__})") from None
        if answer.status_code != 200:
            answer.close()
            raise RecordingUnavailable(f"Twilio answered HTTP {answer.status_code}")
        mimetype = answer.headers.get("Content-Type", "audio/mpeg").split(";")[0]
        return Stream(
            answer.iter_content(CHUNK), mimetype, answer.headers.get("Content-Length"), answer.close
        )


def current_recordings() -> Recordings:
    """The app's recordings source, made on first use (tests put their own in its place)."""
    found = current_app.extensions.get("ivr.recordings")
    if not isinstance(found, Recordings):
        found = current_app.extensions["ivr.recordings"] = Recordings(current_app.config["IVR"])
    return found

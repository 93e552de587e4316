"""The line's log lines: one JSON object per line (IVR_LOG_FORMAT), each a webhook's with its CallSid.

No personal data is logged: callers' numbers, A-numbers and words never reach a log call, and what
a request sends that is logged (a path, Twilio's error code, a status) goes through `field`, which
keeps a log line one line and short whatever a client sends.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping
from typing import cast

from flask import Request, has_request_context, request
from pythonjsonlogger.json import JsonFormatter
from werkzeug.local import LocalProxy

from ivr.config import Settings

# C0 and C1 control characters, DEL, and the Unicode line and paragraph separators: anything that
# could end a line, move a terminal's cursor or hide what follows.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
FIELD_LIMIT = 120
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s%(call)s"


def field(value: object, limit: int = FIELD_LIMIT) -> str:
    """A request's value as it may be logged: control characters removed, at most `limit` characters."""
    text = _CONTROL.sub("", str(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def form_if_parsed() -> Mapping[str, str]:
    """The request's form if something has read it already, else nothing: never parses a body.

    werkzeug keeps a parsed form in the request's __dict__. A log line or a metric must not be what
    parses a body, such as the 40,000 fields ivr/voice/signature.py refuses before reading them.
    """
    if not has_request_context():
        return {}
    form: Mapping[str, str] | None = vars(cast("LocalProxy[Request]", request)._get_current_object()).get(
        "form"
    )
    return form if form is not None else {}


class CallSidFilter(logging.Filter):
    """Give each record the CallSid of the webhook it was logged in (empty elsewhere)."""

    def filter(self, record: logging.LogRecord) -> bool:
        # A SID is 34 letters and digits; anything longer is not one.
        call_sid = field(form_if_parsed().get("CallSid", ""), 40)
        record.call_sid = call_sid
        record.call = f" [{call_sid}]" if call_sid else ""
        return True


class LineHandler(logging.StreamHandler):  # type: ignore[type-arg]  # typeshed's generic over the stream
    """The line's one handler on the root logger, to standard error (systemd's journal, docker logs)."""


def json_formatter() -> logging.Formatter:
    return JsonFormatter(
        ["asctime", "levelname", "name", "message", "call_sid"],
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        datefmt="%Y-%m-%dT%H:%M:%S%z",  # ISO 8601 with the host's offset, as log shippers parse it
        # Only these fields: a record's other attributes (a path, a thread name) stay out.
        reserved_attrs=[*logging.LogRecord("", 0, "", 0, "", None, None).__dict__, "call"],
    )


def configure(settings: Settings) -> None:
    """Send the process's log lines, in the settings' format, to standard error; once per process."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if isinstance(h, LineHandler)), None)
    if handler is None:
        handler = LineHandler(sys.stderr)
        handler.addFilter(CallSidFilter())
        root.addHandler(handler)
    handler.setFormatter(
        json_formatter() if settings.log_format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    root.setLevel(logging.INFO)
    logging.getLogger("alembic").setLevel(logging.WARNING)

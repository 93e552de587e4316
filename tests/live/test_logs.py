"""Log lines: one JSON object per line, with the CallSid, no personal data, nothing a client injects."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask

from ivr.logs import LineHandler, field
from tests.conftest import Twilio, _empty, make_app


@pytest.fixture
def json_app(_schema: None, database_dir: Path) -> Iterator[Flask]:
    app = make_app(database_dir, IVR_LOG_FORMAT="json")
    yield app
    _empty(app)


def test_a_webhooks_log_line_is_json_with_its_call_sid_and_no_caller_number(json_app: Flask) -> None:
    twilio = Twilio(json_app.test_client(), call_sid="CA" + "8" * 32)
    (handler,) = [h for h in logging.getLogger().handlers if isinstance(h, LineHandler)]
    written = io.StringIO()
    previous = handler.setStream(written)
    try:
        twilio.post("/voice/incoming")
        # Twilio's fallback request, its ErrorUrl carrying a forged second log line and 4 KB of junk.
        twilio.post("/voice/fallback", ErrorCode="11200", ErrorUrl="/voice/x\nERROR forged line" + "x" * 4000)
    finally:
        handler.setStream(previous)
    lines = written.getvalue().splitlines()
    records = [json.loads(line) for line in lines]  # every line one JSON object
    (fallback,) = [r for r in records if r["message"].startswith("Twilio used the fallback URL")]
    assert fallback["call_sid"] == "CA" + "8" * 32
    assert fallback["level"] == "ERROR" and fallback["logger"] == "ivr.voice.recovery"
    assert datetime.fromisoformat(fallback["time"]).tzinfo is not None
    assert "forged line" in fallback["message"] and "\n" not in fallback["message"]
    assert len(fallback["message"]) < 300
    assert "5555550123" not in written.getvalue()  # the caller's number (Twilio's From)


def test_field_strips_control_characters_and_caps_the_length() -> None:
    assert field("ab\x00c\r\nd\x1b[31m\u2028e") == "abcd[31me"
    assert field("x" * 500) == "x" * 119 + "…"

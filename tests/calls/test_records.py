"""A call as the webhooks hold it: typed fields that are the table's columns, and only changes written."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime

from flask import Flask

from ivr.calls import store as call_store
from ivr.calls.records import CALL_FIELDS, CALLS, ENTRY_FIELDS, QUEUE, StoredCall, StoredEntry
from ivr.db import get_connection
from ivr.journey.machine import State
from tests.conftest import Caller


def test_every_field_of_a_stored_call_is_a_column_but_its_entry_and_arrival() -> None:
    names = [f.name for f in fields(StoredCall)]
    assert [name for name in names if name not in CALLS.c] == ["_read", "queue_entry", "arrival"]
    assert list(CALL_FIELDS) == [name for name in names if name in CALLS.c]
    # What a webhook never reads: the insert writes them (the arrival), or a step does (the answer).
    unread = set(CALLS.columns.keys()) - set(CALL_FIELDS)
    # purged_at: the retention job's mark (ivr/jobs/retention.py).
    assert unread == {"call_sid", "started_at", "caller_number", "caller_fingerprint", "line_number"} | {
        "last_response",
        "purged_at",
    }


def test_a_stored_entry_has_every_column_of_the_queue() -> None:
    assert {f.name for f in fields(StoredEntry) if f.init} == set(QUEUE.columns.keys()) == set(ENTRY_FIELDS)


def test_only_what_changed_is_written(app: Flask) -> None:
    caller = Caller(app.test_client())
    caller.call()
    caller.press("1")
    with app.test_request_context():
        call = call_store.load(get_connection(), caller.call_sid)
        assert call is not None and call.language == "en" and call.changes() == {}
        call.attempts += 1
        call.language = "en"  # the same value again: not a change
        assert call.changes() == {"attempts": 1}
        call.saved()
        assert call.changes() == {}


def test_a_new_call_writes_its_arrival_once() -> None:
    now = datetime(2026, 11, 30, 15, tzinfo=UTC)
    call = StoredCall.new("CA" + "9" * 32, now, State.LANGUAGE_MENU, caller_number="+15555550123")
    assert call.changes()["call_sid"] == "CA" + "9" * 32 and call.changes()["caller_number"] == "+15555550123"
    assert call.changes()["step"] == 0 and call.changes()["state"] == State.LANGUAGE_MENU
    call.id = 1  # saved: its arrival is not written again
    call.saved()
    call.outcome = "voicemail"
    assert call.changes() == {"outcome": "voicemail"}


def test_a_record_never_shows_what_the_caller_said_in_its_repr() -> None:
    call = StoredCall.new("CA" + "9" * 32, datetime(2026, 11, 30, 15, tzinfo=UTC), State.A_NUMBER_CONFIRM)
    call.a_number, call.subject_transcript = "012345678", "a guard hit me"
    assert "012345678" not in repr(call) and "guard" not in repr(call)

# ruff: noqa: S608 - the statements are put together from this file's constants, never from input
"""Fill the database with a long history of calls, fast: one INSERT ... SELECT per table and batch.

Each seeded call looks like one the line took: a CallSid, an encrypted caller number and last answer
(a fixed valid ciphertext), a language, caller type and subject, an outcome, seven timeline events, and
a queue entry (70 %) or a voicemail (30 %), all finished long before the benchmark's clock. None is
waiting in the queue now: the live queue holds only the benchmark's own callers.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass

import psycopg

BATCH = 100_000
EVENTS_PER_CALL = 7

# The last TwiML of a finished call, as the line stores it (encrypted).
LAST_RESPONSE = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Say language="en-US" voice="Polly.Joanna">'
    "Thank you. Your message was saved. An officer will review it on the next business day.</Say>"
    '<Say language="en-US" voice="Polly.Joanna">Thank you for calling the ICE Detention Reporting and '
    "Information Line. Goodbye.</Say><Hangup /></Response>"
)


@dataclass(frozen=True)
class Ciphertexts:
    caller_number: str
    last_response: str
    transcript: str
    a_number: str
    recording_url: str


def ciphertexts(encrypt: Callable[[str], str]) -> Ciphertexts:
    return Ciphertexts(
        encrypt("+15555550199"),
        encrypt(LAST_RESPONSE),
        encrypt("they do not give my husband his medicine"),
        encrypt("012345678"),
        encrypt(f"https://api.twilio.com/2010-04-01/Accounts/AC{'0' * 32}/Recordings/RE{'0' * 32}"),
    )


class Dialect:
    """The few expressions SQLite and PostgreSQL write differently."""

    def __init__(self, name: str) -> None:
        self.name = name

    def series(self, low: str, high: str) -> str:
        if self.name == "sqlite":
            return (
                f"(WITH RECURSIVE s(i) AS (SELECT {low} UNION ALL SELECT i + 1 FROM s WHERE i < {high}) "
                "SELECT i FROM s) AS s"
            )
        return f"generate_series(CAST({low} AS integer), CAST({high} AS integer)) AS s(i)"

    def hex32(self, expr: str) -> str:
        if self.name == "sqlite":
            return f"printf('%032x', {expr})"
        return f"lpad(to_hex({expr}), 32, '0')"

    def hex64(self, expr: str) -> str:
        if self.name == "sqlite":
            return f"printf('%064x', {expr})"
        return f"lpad(to_hex({expr}), 64, '0')"

    def moment(self, seconds: str) -> str:
        """A time `seconds` after the history starts (2024-12-01, UTC), as the app stores it."""
        if self.name == "sqlite":
            return (
                f"strftime('%Y-%m-%d %H:%M:%S', '2024-12-01 00:00:00', '+' || ({seconds}) || ' seconds')"
                " || '.000000'"
            )
        return f"(timestamptz '2024-12-01 00:00:00+00' + ({seconds}) * interval '1 second')"

    def day(self, seconds: str) -> str:
        if self.name == "sqlite":
            return f"date('2024-12-01', '+' || ({seconds}) || ' seconds', '+1 day')"
        return f"(date '2024-12-01' + (({seconds}) / 86400 + 1)::int)"


def _statements(d: Dialect) -> list[str]:
    """INSERT ... SELECT statements for calls :low..:high (ids given), their events, queue, voicemail."""
    kind = "(s.i % 10)"  # 0-5 queue, 6 queue then voicemail, 7-8 closed: voicemail, 9 field office
    started = "(s.i * 50)"  # a call every 50 seconds: 1,000,000 calls span about 19 months
    subject = (
        f"CASE {kind} WHEN 0 THEN 'assault' WHEN 1 THEN 'detention_conditions' WHEN 2 THEN 'mental_health' "
        "WHEN 3 THEN 'case_information' WHEN 4 THEN 'family_separation' WHEN 5 THEN 'legal_access' "
        "WHEN 6 THEN 'detention_conditions' WHEN 7 THEN 'other' WHEN 8 THEN 'assault' ELSE 'case_review' END"
    )
    caller_type = (
        "CASE (s.i % 4) WHEN 0 THEN 'detained' WHEN 1 THEN 'about_detained' WHEN 2 THEN 'attorney' "
        "ELSE 'other' END"
    )
    priority = f"CASE WHEN {kind} IN (0, 2, 8) THEN 1 WHEN (s.i % 4) = 0 THEN 2 ELSE 3 END"
    outcome = (
        f"CASE WHEN {kind} <= 3 THEN 'answered' WHEN {kind} <= 5 THEN 'abandoned_in_queue' "
        f"WHEN {kind} <= 8 THEN 'voicemail' ELSE 'self_service' END"
    )
    calls = f"""
        INSERT INTO calls (
            id, call_sid, caller_number, caller_fingerprint, line_number, started_at, ended_at, state, step,
            last_response, attempts, language, needs_interpreter, caller_type, subject, subject_source,
            subject_confidence, subject_transcript, pending_subject, a_number, pending_a_number,
            a_number_skipped, third_party, state_choices, field_office, priority, outcome, final_status,
            duration_seconds, used_fallback)
        SELECT
            s.i, 'CA' || {d.hex32("s.i")}, :caller_number, {d.hex64("(s.i * 2654435761) % 400009")},
            '+18883514024', {d.moment(started)}, {d.moment(started + " + 240")}, 'ended', {EVENTS_PER_CALL},
            :last_response, 0, CASE WHEN s.i % 3 = 0 THEN 'en' ELSE 'es' END,
            CASE WHEN s.i % 50 = 0 THEN 'pt' END, {caller_type}, {subject},
            CASE WHEN s.i % 5 = 0 THEN 'speech' ELSE 'keypad' END,
            CASE WHEN s.i % 5 = 0 THEN 0.83 ELSE 1.0 END,
            CASE WHEN s.i % 5 = 0 THEN :transcript END, NULL,
            CASE WHEN {kind} = 3 THEN :a_number END, NULL,
            (s.i % 97 = 0), ({kind} = 3 AND s.i % 4 <> 0), NULL,
            CASE WHEN {kind} = 9 THEN 'San Antonio' END, {priority}, {outcome}, 'completed',
            60 + s.i % 600, (s.i % 1000 = 0)
        FROM {d.series(":low", ":high")}
    """
    step_state = (
        "CASE k.n WHEN 1 THEN 'incoming' WHEN 2 THEN 'language_menu' WHEN 3 THEN 'caller_type_menu' "
        "WHEN 4 THEN 'subject_menu' WHEN 5 THEN 'queued' WHEN 6 THEN 'queued' ELSE 'goodbye' END"
    )
    step_event = (
        "CASE k.n WHEN 1 THEN 'call_started' WHEN 5 THEN 'system' WHEN 6 THEN 'operator_finished' "
        "WHEN 7 THEN 'call_ended' ELSE 'digits_received' END"
    )
    step_kind = "CASE WHEN k.n IN (2, 3, 4) THEN 'dtmf' ELSE 'system' END"
    step_value = (
        "CASE k.n WHEN 2 THEN CASE WHEN s.i % 3 = 0 THEN '1' ELSE '2' END "
        "WHEN 3 THEN CAST(1 + s.i % 4 AS VARCHAR(2)) WHEN 4 THEN CAST(1 + s.i % 9 AS VARCHAR(2)) "
        "WHEN 7 THEN 'completed' END"
    )
    step_result = (
        "CASE k.n WHEN 1 THEN 'greeting and language menu' WHEN 2 THEN 'language es' "
        "WHEN 3 THEN 'caller type detained' WHEN 4 THEN 'subject assault; line open: to the queue' "
        "WHEN 5 THEN 'queued' WHEN 6 THEN 'answered by an operator' ELSE 'answered' END"
    )
    steps = " UNION ALL ".join(f"SELECT {n} AS n" for n in range(1, EVENTS_PER_CALL + 1))
    events = f"""
        INSERT INTO call_events (call_id, at, step, state, event, input_kind, value, result)
        SELECT s.i, {d.moment(started + " + 20 * k.n")}, k.n, {step_state}, {step_event}, {step_kind},
               {step_value}, {step_result}
        FROM {d.series(":low", ":high")} CROSS JOIN ({steps}) AS k
    """
    queue = f"""
        INSERT INTO queue_entries (
            call_id, queue_name, language, needs_interpreter, subject, caller_type, priority, enqueued_at,
            queue_sid, last_position, last_announced_at, left_at, result, wait_seconds)
        SELECT s.i, 'operators', CASE WHEN s.i % 3 = 0 THEN 'en' ELSE 'es' END, NULL, {subject},
               {caller_type}, {priority}, {d.moment(started + " + 80")}, 'QU' || {d.hex32("s.i % 7")},
               1 + s.i % 40, {d.moment(started + " + 125")}, {d.moment(started + " + 80 + s.i % 600")},
               CASE WHEN {kind} <= 3 THEN 'bridged' WHEN {kind} <= 5 THEN 'hangup' ELSE 'leave' END, s.i % 600
        FROM {d.series(":low", ":high")}
        WHERE {kind} <= 6
    """
    voicemails = f"""
        INSERT INTO voicemails (
            call_id, recording_sid, recording_url, duration_seconds, language, needs_interpreter, subject,
            caller_type, priority, urgent, left_after_hours, created_at, work_on, status,
            supervisor_alerted_at)
        SELECT s.i, 'RE' || {d.hex32("s.i")}, :recording_url,
               10 + s.i % 290, CASE WHEN s.i % 3 = 0 THEN 'en' ELSE 'es' END, NULL, {subject},
               {caller_type}, {priority}, ({kind} = 8), ({kind} IN (7, 8)), {d.moment(started + " + 200")},
               {d.day(started)}, 'done', NULL
        FROM {d.series(":low", ":high")}
        WHERE {kind} >= 6 AND {kind} <= 8
    """
    return [calls, events, queue, voicemails]


def _sqlite_params(sql: str) -> str:
    return sql  # sqlite3 takes :name parameters as they are


def _pg_params(sql: str) -> str:
    sql = sql.replace("%", "%%")  # psycopg's placeholders are %(name)s: a modulo is written %%
    for name in ("low", "high", "caller_number", "last_response", "transcript", "a_number"):
        sql = sql.replace(f":{name}", f"%({name})s")
    return sql


def seed(database_url: str, count: int, secrets: Ciphertexts, report: Callable[[str], None] = print) -> float:
    """Add `count` finished calls after the newest one; return the seconds it took."""
    began = time.monotonic()
    if database_url.startswith("sqlite"):
        _seed_sqlite(database_url.removeprefix("sqlite:///"), count, secrets, report)
    else:
        _seed_postgres(database_url.replace("postgresql+psycopg://", "postgresql://"), count, secrets, report)
    return time.monotonic() - began


def _values(low: int, high: int, secrets: Ciphertexts) -> dict[str, object]:
    return {
        "low": low,
        "high": high,
        "caller_number": secrets.caller_number,
        "last_response": secrets.last_response,
        "transcript": secrets.transcript,
        "a_number": secrets.a_number,
        "recording_url": secrets.recording_url,
    }


def _seed_sqlite(path: str, count: int, secrets: Ciphertexts, report: Callable[[str], None]) -> None:
    statements = [_sqlite_params(sql) for sql in _statements(Dialect("sqlite"))]
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("PRAGMA cache_size=-262144")  # 256 MB while seeding
        first = (connection.execute("SELECT coalesce(max(id), 0) FROM calls").fetchone()[0] or 0) + 1
        for low in range(first, first + count, BATCH):
            high = min(low + BATCH, first + count) - 1
            connection.execute("BEGIN")
            for sql in statements:
                connection.execute(sql, _values(low, high, secrets))
            connection.execute("COMMIT")
            report(f"    seeded calls {low:,}-{high:,}")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


def _seed_postgres(url: str, count: int, secrets: Ciphertexts, report: Callable[[str], None]) -> None:
    statements = [_pg_params(sql) for sql in _statements(Dialect("postgresql"))]
    with psycopg.connect(url, autocommit=True) as connection:
        row = connection.execute("SELECT coalesce(max(id), 0) FROM calls").fetchone()
        first = (row[0] if row else 0) + 1
        for low in range(first, first + count, BATCH):
            high = min(low + BATCH, first + count) - 1
            with connection.transaction():
                for sql in statements:
                    connection.execute(sql, _values(low, high, secrets))  # type: ignore[arg-type]
            report(f"    seeded calls {low:,}-{high:,}")
        # The serial columns must continue after the seeded ids; statistics as autovacuum would make.
        for table in ("calls", "call_events", "queue_entries", "voicemails"):
            connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        connection.execute("ANALYZE")


def counts(database_url: str) -> dict[str, int]:
    tables = ("calls", "call_events", "queue_entries", "voicemails")
    if database_url.startswith("sqlite"):
        connection = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        try:
            return {t: connection.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
        finally:
            connection.close()
    with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        found = {}
        for t in tables:
            row = connection.execute(f"SELECT count(*) FROM {t}").fetchone()
            found[t] = row[0] if row else 0
        return found

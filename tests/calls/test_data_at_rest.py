"""Callers' data at rest: every value can be moved to a new key and the old key retired; recording
addresses are encrypted; the SQLite file and the development secrets are the owner's alone."""

from __future__ import annotations

import stat
from datetime import UTC, date, datetime
from pathlib import Path

from alembic import command
from cryptography.fernet import Fernet, InvalidToken
from flask import Flask
from sqlalchemy import Text, insert, select, text, type_coerce

from ivr import create_app, db
from ivr.calls import voicemail
from ivr.calls.records import StoredCall
from ivr.calls.store import save
from ivr.cli.keys import encrypted_tables
from ivr.config import load_settings
from ivr.crypto import Vault
from ivr.line import current_line
from ivr.models import AuditEntry, Call, Disposition, User, Voicemail
from tests.conftest import make_app, settings_env

NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
RECORDING_URL = "https://api.twilio.com/2010-04-01/Accounts/AC" + "0" * 32 + "/Recordings/RE" + "4" * 32
NUMBER = "+15555550123"


def key_of(app: Flask) -> str:
    """The app's newest data key (conftest's module is loaded twice by pytest: ask the app)."""
    key: str = app.config["IVR"].data_keys[0]
    return key


def fill_every_encrypted_column(app: Flask, calls: int = 3) -> None:
    """Rows with a value in every encrypted column the models declare."""
    with db.session_scope(app) as session:
        user = User(
            email="ana@example.org",
            name="Ana",
            password_hash="x",
            role="operator",
            reach_address="+15555550100",
            created_at=NOW,
        )
        session.add(user)
        session.flush()
        for n in range(calls):
            call = Call(
                call_sid=f"CA{n:032x}",
                caller_number=NUMBER,
                caller_fingerprint=Vault((key_of(app),)).fingerprint(NUMBER),
                started_at=NOW,
                state="ended",
                last_response="<Response/>",
                subject_transcript="they took my medicine",
                a_number="012345678",
                pending_a_number="012345679",
            )
            session.add(call)
            session.flush()
            session.add(
                Disposition(call_id=call.id, operator_id=user.id, notes="called back", updated_at=NOW)
            )
            session.add(
                Voicemail(
                    call_id=call.id,
                    recording_sid=f"RE{n:032x}",
                    recording_url=RECORDING_URL,
                    priority=3,
                    created_at=NOW,
                    work_on=date(2026, 11, 30),
                    follow_up_notes="left a message",
                )
            )
        session.add(
            AuditEntry(at=NOW, user_id=user.id, action="reveal", subject="call 1", reason="a follow-up")
        )


def stored_values(app: Flask) -> list[str]:
    """Every encrypted value as it is stored (ciphertext)."""
    found: list[str] = []
    with app.extensions["ivr.engine"].connect() as connection:
        for _table, columns in encrypted_tables():
            for column in columns:
                found += [v for v in connection.scalars(select(type_coerce(column, Text))) if v is not None]
    return found


def rotate(app: Flask) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["ivr", "keys", "rotate", "--batch", "2"])
    return result.exit_code, result.output


def test_after_rotation_the_old_key_can_be_retired_and_every_value_still_reads(
    app: Flask, database_dir: Path
) -> None:
    fill_every_encrypted_column(app)
    old_key, before = key_of(app), stored_values(app)
    assert len(before) == 1 + 3 * 8 + 1  # the operator's address, 8 per call, the audit's reason
    new_key = Fernet.generate_key().decode()

    rotating = make_app(database_dir, IVR_DATA_KEY=f"{new_key},{old_key}")
    code, output = rotate(rotating)
    assert code == 0, output
    assert "calls.caller_number: 3 encrypted anew, 0 already under the newest key" in output
    assert "voicemails.recording_url: 3 encrypted anew" in output
    assert "older keys can be removed" in output
    # Again: nothing left to do, and nothing changed.
    after = stored_values(rotating)
    code, output = rotate(rotating)
    assert code == 0 and "calls.caller_number: 0 encrypted anew, 3 already under the newest key" in output
    assert stored_values(rotating) == after

    # The old key retired: every value reads with the new key alone, the old one reads none.
    for token in after:
        Fernet(new_key).decrypt(token.encode())
        try:
            Fernet(old_key).decrypt(token.encode())
            raise AssertionError("a value still readable with the retired key")
        except InvalidToken:
            pass
    retired = make_app(database_dir, IVR_DATA_KEY=new_key)
    with retired.extensions["ivr.db"]() as session:
        calls = session.scalars(select(Call)).all()
        assert {c.caller_number for c in calls} == {NUMBER} and {c.a_number for c in calls} == {"012345678"}
        # A repeat caller is still found: the fingerprints follow the new key.
        assert {c.caller_fingerprint for c in calls} == {Vault((new_key,)).fingerprint(NUMBER)}
        assert {v.recording_url for v in session.scalars(select(Voicemail))} == {RECORDING_URL}
        assert session.scalars(select(User)).one().reach_address == "+15555550100"
        assert session.scalars(select(AuditEntry)).one().reason == "a follow-up"
        assert {d.notes for d in session.scalars(select(Disposition))} == {"called back"}
    db.dispose(rotating)
    db.dispose(retired)


def test_rotation_without_the_key_that_encrypted_a_value_says_which_key_is_missing(
    app: Flask, database_dir: Path
) -> None:
    fill_every_encrypted_column(app, calls=1)
    stranger = make_app(database_dir, IVR_DATA_KEY=Fernet.generate_key().decode())
    code, output = rotate(stranger)
    db.dispose(stranger)
    assert code != 0 and "cannot be decrypted with any key in IVR_DATA_KEY" in output


def test_a_recording_address_is_stored_encrypted_and_read_back(app: Flask) -> None:
    with app.app_context():
        connection, line = app.extensions["ivr.webhook_engine"].connect(), current_line()
        call = StoredCall.new("CA" + "1" * 32, NOW, "voicemail")
        assert save(connection, call)
        # The first report had no address (the <Record> action); the callback brings it.
        for url in (None, RECORDING_URL):
            voicemail.record(connection, call, "RE" + "4" * 32, url, 20, line.schedule, NOW)
            connection.commit()
        connection.close()
    [raw] = stored_values_of(app, "SELECT recording_url FROM voicemails")
    assert RECORDING_URL not in raw and Vault((key_of(app),)).decrypt(raw) == RECORDING_URL


def stored_values_of(app: Flask, sql: str) -> list[str]:
    with app.extensions["ivr.engine"].connect() as connection:
        return list(connection.scalars(text(sql)))


def test_migration_0005_encrypts_the_recording_addresses_already_stored(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'before.sqlite3'}"
    app = create_app(settings_env(tmp_path, DATABASE_URL=database))
    db.upgrade(app, "0004")
    with app.extensions["ivr.engine"].begin() as connection:
        connection.execute(
            insert(Call.__table__).values(id=1, call_sid="CA" + "1" * 32, started_at=NOW, state="ended")
        )
        connection.execute(
            text(
                "INSERT INTO voicemails (call_id, recording_sid, recording_url, priority, urgent,"
                " left_after_hours, created_at, work_on, status)"
                " VALUES (1, :sid, :url, 3, false, false, :now, '2026-11-30', 'new')"
            ),
            {"sid": "RE" + "4" * 32, "url": RECORDING_URL, "now": NOW},
        )
    db.upgrade(app)
    db.upgrade(app)  # a second run changes nothing
    [raw] = stored_values_of(app, "SELECT recording_url FROM voicemails")
    assert raw != RECORDING_URL and Vault((key_of(app),)).decrypt(raw) == RECORDING_URL
    command.downgrade(db.alembic_config(database), "0004")
    assert stored_values_of(app, "SELECT recording_url FROM voicemails") == [RECORDING_URL]
    db.dispose(app)


def test_the_sqlite_file_and_the_development_secrets_are_the_owners_alone(tmp_path: Path) -> None:
    settings = load_settings({"IVR_ENV": "development"}, instance_path=tmp_path / "instance")
    secrets_file = tmp_path / "instance" / "development-secrets.env"
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    assert settings.data_keys
    database = tmp_path / "instance" / "line.sqlite3"
    engine = db.make_engine(f"sqlite:///{database}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x)"))
    engine.dispose()
    assert stat.S_IMODE(database.stat().st_mode) == 0o600

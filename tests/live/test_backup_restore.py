"""A backup made by deploy/backup.sh restores into a new database: the schema migrated, a call readable."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from ivr import db
from ivr.health import database_problems
from ivr.models import Call
from tests.conftest import Caller, make_app

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(
    not TEST_DATABASE_URL.startswith("postgresql"), reason="pg_dump and pg_restore: PostgreSQL only"
)


def test_a_backup_restores_into_a_new_database(app: Flask, database_dir: Path, tmp_path: Path) -> None:
    caller = Caller(app.test_client(), call_sid="CA" + "6" * 32)
    caller.call()
    backup = subprocess.run(  # noqa: S603 - the guide's own script
        [str(PROJECT_ROOT / "deploy" / "backup.sh")],
        env=os.environ | {"DATABASE_URL": TEST_DATABASE_URL, "BACKUP_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert backup.returncode == 0, backup.stderr
    dump = Path(backup.stdout.strip())
    assert dump.parent == tmp_path and dump.stat().st_size > 0

    restored_name = f"{make_url(TEST_DATABASE_URL).database}_restored_{uuid.uuid4().hex[:8]}"
    server = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{restored_name}"'))
    restored_url = make_url(TEST_DATABASE_URL).set(database=restored_name)
    try:
        libpq_url = restored_url.set(drivername="postgresql").render_as_string(hide_password=False)
        restore = subprocess.run(  # noqa: S603 - as docs/deploy.md restores
            ["pg_restore", "--no-owner", "--no-privileges", f"--dbname={libpq_url}", str(dump)],  # noqa: S607
            capture_output=True,
            text=True,
            check=False,
        )
        assert restore.returncode == 0, restore.stderr
        restored = make_app(
            database_dir,
            DATABASE_URL=restored_url.render_as_string(hide_password=False),
            IVR_DATA_KEY=",".join(app.config["IVR"].data_keys),  # the keys are kept apart from backups
        )
        assert database_problems(restored.extensions["ivr.engine"]) == []
        with restored.extensions["ivr.db"]() as session:
            call = session.scalar(select(Call).where(Call.call_sid == caller.call_sid))
            assert call is not None and call.caller_number == "+15555550123"  # decrypted with the same key
        db.dispose(restored)
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)'))
        server.dispose()

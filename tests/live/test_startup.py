"""Start-up: a wrong setting or a database the line cannot use is refused at once, saying what to do."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest
from flask import Flask

from ivr import create_app, db
from ivr.config import ConfigError, load_settings
from ivr.health import newest_revisions
from ivr.startup import CONFIGURATION_ERROR, DATABASE_NOT_READY, problems_before_serving
from tests.conftest import PUBLIC_URL, Twilio, settings_env, sign

PROJECT_ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("postgres://line@db.internal/ivr", "write postgresql+psycopg:// instead"),
        ("mysql+pymysql://line@db.internal/ivr", "uses the driver 'mysql+pymysql'"),
        ("not a url", "DATABASE_URL is not a database URL"),
    ],
)
def test_a_wrong_database_url_names_the_setting_and_the_fix(tmp_path: Path, url: str, said: str) -> None:
    with pytest.raises(ConfigError, match="DATABASE_URL") as refused:
        load_settings(settings_env(tmp_path, DATABASE_URL=url))
    assert said in str(refused.value)
    assert "postgresql+psycopg://" in str(refused.value)  # the fix, written out


# The newest migration, whichever it is when these run.
NEWEST = ", ".join(sorted(newest_revisions()))


def test_a_sqlite_file_in_a_missing_folder_is_refused_and_no_folder_is_made(tmp_path: Path) -> None:
    missing = tmp_path / "mistyped" / "ivr.sqlite3"
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(settings_env(tmp_path, DATABASE_URL=f"sqlite:///{missing}"))
    assert not missing.parent.exists()


def production(tmp_path: Path, **overrides: str) -> dict[str, str]:
    return settings_env(tmp_path, IVR_ENV="production", IVR_FIXED_TIME="", **overrides)


def test_flask_debug_is_refused_in_production(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="FLASK_DEBUG is set but IVR_ENV=production"):
        load_settings(production(tmp_path, FLASK_DEBUG="1"))
    assert load_settings(production(tmp_path, FLASK_DEBUG="0")).env == "production"


def test_the_web_process_refuses_an_unmigrated_database_and_an_unreachable_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in settings_env(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'new.sqlite3'}").items():
        monkeypatch.setenv(name, value)
    status, problems, _ = problems_before_serving()
    assert status == DATABASE_NOT_READY
    assert problems == ["the database has no tables yet: run `flask --app app ivr db upgrade`"]

    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://line:secret@127.0.0.1:9/ivr")
    status, problems, _ = problems_before_serving()
    assert status == DATABASE_NOT_READY
    assert problems[0].startswith("the database cannot be reached (OperationalError: ")
    assert "secret" not in problems[0]


def test_a_database_one_revision_behind_is_named_with_the_upgrade(tmp_path: Path) -> None:
    app = create_app(settings_env(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'old.sqlite3'}"))
    db.upgrade(app, "0003")
    from ivr.health import database_problems

    assert database_problems(app.extensions["ivr.engine"]) == [
        f"the database is at revision 0003, this code needs {NEWEST}: run `flask --app app ivr db upgrade`"
    ]
    db.upgrade(app)
    assert database_problems(app.extensions["ivr.engine"]) == []
    db.dispose(app)


def test_the_cli_still_works_on_an_unmigrated_database_and_migrates_it(tmp_path: Path) -> None:
    app = create_app(settings_env(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.sqlite3'}"))
    result = app.test_cli_runner().invoke(args=["ivr", "db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "Database is up to date." in result.output
    db.dispose(app)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def gunicorn(tmp_path: Path, environment: dict[str, str], port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 - this venv's gunicorn, fixed arguments
        [
            str(GUNICORN),
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            # gunicorn 27's control socket: one of its own, beside other engineers' servers.
            "--control-socket",
            str(tmp_path / "gunicorn.ctl"),
            "app:app",
        ],
        cwd=PROJECT_ROOT,
        env=os.environ | environment | {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.parametrize(
    ("overrides", "status", "said"),
    [
        (
            {"IVR_QUEUE_MAX_SIZE": "lots"},
            CONFIGURATION_ERROR,
            "IVR_QUEUE_MAX_SIZE='lots' must be a whole number.",
        ),
        (
            {"DATABASE_URL": "postgres://line@db/ivr"},
            CONFIGURATION_ERROR,
            "DATABASE_URL starts with postgres://",
        ),
        (
            {"DATABASE_URL": "sqlite:///{tmp}/empty.sqlite3"},
            DATABASE_NOT_READY,
            "the database has no tables yet",
        ),
        (
            {"IVR_SCHEDULE": "{tmp}/hours.toml"},
            CONFIGURATION_ERROR,
            "{tmp}/hours.toml: the file does not exist.",
        ),
    ],
)
def test_gunicorn_exits_at_once_with_the_reason(
    tmp_path: Path, overrides: dict[str, str], status: int, said: str
) -> None:
    environment = settings_env(tmp_path) | {k: v.format(tmp=tmp_path) for k, v in overrides.items()}
    started = time.monotonic()
    server = gunicorn(tmp_path, environment, free_port())
    try:
        output, _ = server.communicate(timeout=30)
    finally:
        server.kill()
    assert time.monotonic() - started < 10, "gunicorn kept going"
    assert server.returncode == status, output
    assert f"dril-ivr will not serve: {said.format(tmp=tmp_path)}" in output
    assert "Booting worker" not in output  # refused before any worker started
    assert "Traceback" not in output


def get(url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> str:
    request = urllib.request.Request(url, data=data, headers=headers or {})  # noqa: S310 - loopback
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return str(response.read().decode())


def test_gunicorn_serves_a_migrated_database_and_adds_up_its_workers_metrics(
    app: Flask, database_dir: Path, tmp_path: Path
) -> None:
    port = free_port()
    server = gunicorn(tmp_path, settings_env(database_dir, IVR_LOG_FORMAT="json"), port)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline, answer = time.monotonic() + 60, None
        while answer is None and time.monotonic() < deadline and server.poll() is None:
            try:
                answer = get(base + "/healthz")
            except OSError:
                time.sleep(0.2)
        assert answer == '{"status": "ok", "problems": []}\n', server.poll()
        for number in range(4):  # spread over both workers, as it happens
            params = Twilio(app.test_client(), call_sid=f"CA{number:032d}").params()
            signature = sign(PUBLIC_URL + "/voice/incoming", params)
            get(base + "/voice/incoming", urlencode(params).encode(), {"X-Twilio-Signature": signature})
        metrics = get(base + "/metrics")
        assert 'ivr_webhook_seconds_count{route="/voice/incoming"} 4.0' in metrics
        assert "ivr_calls_total 4.0" in metrics
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    # gunicorn's own lines are JSON too, once the line's settings are read (its first line is before).
    first, *rest = output.splitlines()
    assert "Starting gunicorn" in first
    logged = [json.loads(line) for line in rest]
    assert any(record["message"].startswith("Booting worker") for record in logged)

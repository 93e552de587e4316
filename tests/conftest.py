"""Fixtures: a real database per test run (SQLite, or PostgreSQL via TEST_DATABASE_URL), signed requests."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

from ivr import create_app, db
from ivr.models import Base

PUBLIC_URL = "https://line.example.org"
AUTH_TOKEN = "0123456789abcdef0123456789abcdef"
DATA_KEY = Fernet.generate_key().decode()


def settings_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    database_url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'ivr.sqlite3'}"
    return {
        "IVR_ENV": "testing",
        "SECRET_KEY": secrets.token_hex(32),
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "IVR_DATA_KEY": DATA_KEY,
        "IVR_PUBLIC_URL": PUBLIC_URL,
        "DATABASE_URL": database_url,
        "IVR_FIXED_TIME": "2026-11-30T10:00:00-05:00",  # a Monday morning: open
    } | overrides


@pytest.fixture(scope="session")
def database_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("db")


@pytest.fixture(scope="session")
def _schema(database_dir: Path) -> None:
    """Migrate the test database once with Alembic, as production is migrated."""
    app = create_app(settings_env(database_dir))
    if os.environ.get("TEST_DATABASE_URL"):
        with app.extensions["ivr.engine"].begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    db.upgrade(app)
    app.extensions["ivr.engine"].dispose()


def make_app(database_dir: Path, **overrides: str) -> Flask:
    return create_app(settings_env(database_dir, **overrides))


@pytest.fixture
def app(_schema: None, database_dir: Path) -> Iterator[Flask]:
    app = make_app(database_dir)
    yield app
    _empty(app)


def _empty(app: Flask) -> None:
    engine = app.extensions["ivr.engine"]
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
    engine.dispose()


@pytest.fixture
def app_at(_schema: None, database_dir: Path) -> Iterator[object]:
    """Build the app with the line's clock pinned at a given time: app_at("2026-07-03T10:00:00-04:00")."""
    made: list[Flask] = []

    def build(moment: str, **overrides: str) -> Flask:
        made.append(make_app(database_dir, IVR_FIXED_TIME=moment, **overrides))
        return made[-1]

    yield build
    for app in made:
        _empty(app)


def sign(url: str, params: dict[str, str], token: str = AUTH_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


class Twilio:
    """Posts webhooks to the app the way Twilio does: absolute URL signed with the auth token."""

    def __init__(self, client: FlaskClient, call_sid: str = "CA" + "1" * 32) -> None:
        self.client = client
        self.call_sid = call_sid

    def params(self, **extra: str) -> dict[str, str]:
        return {
            "CallSid": self.call_sid,
            "AccountSid": "AC" + "0" * 32,
            "From": "+15555550123",
            "To": "+18883514024",
            "CallStatus": "in-progress",
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
        } | extra

    def post(self, url: str, **extra: str) -> TestResponse:
        if not url.startswith("http"):
            url = PUBLIC_URL + url
        params = self.params(**extra)
        path = url.removeprefix(PUBLIC_URL)
        return self.client.post(
            path, data=params, headers={"X-Twilio-Signature": sign(url, params)}
        )


@pytest.fixture
def twilio(app: Flask) -> Twilio:
    return Twilio(app.test_client())

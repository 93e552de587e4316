"""Fixtures: a real database per test run (SQLite, or PostgreSQL via TEST_DATABASE_URL), signed requests."""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from xml.etree import ElementTree

import pytest
from cryptography.fernet import Fernet
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

from ivr import create_app, db
from ivr.devtools import twiml_rules
from ivr.models import Base, Call

PUBLIC_URL = "https://line.example.org"
AUTH_TOKEN = "0123456789abcdef0123456789abcdef"
ACCOUNT_SID = "AC" + "0" * 32
DATA_KEY = Fernet.generate_key().decode()


def settings_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    database_url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'ivr.sqlite3'}"
    return {
        "IVR_ENV": "testing",
        "SECRET_KEY": secrets.token_hex(32),
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "IVR_DATA_KEY": DATA_KEY,
        "IVR_PUBLIC_URL": PUBLIC_URL,
        "DATABASE_URL": database_url,
        "IVR_FIXED_TIME": "2026-11-30T10:00:00-05:00",  # a Monday morning: open
        "IVR_JOURNAL": str(tmp_path / "journal" / "callbacks.jsonl"),
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
    db.dispose(app)


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
    db.dispose(app)


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


def call_sid(name: str) -> str:
    """A CallSid of Twilio's form (CA and 32 hex digits) that a test can name: call_sid("first")."""
    return "CA" + hashlib.blake2b(name.encode(), digest_size=16).hexdigest()


def sign(url: str, params: Mapping[str, str], token: str = AUTH_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


class Twilio:
    """Posts webhooks to the app the way Twilio does: absolute URL signed with the auth token."""

    def __init__(self, client: FlaskClient, call_sid: str = "CA" + "1" * 32) -> None:
        self.client = client
        self.call_sid = call_sid

    def params(self, **extra: str) -> dict[str, str]:
        return {
            "CallSid": self.call_sid,
            "AccountSid": ACCOUNT_SID,
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
        return self.client.post(path, data=params, headers={"X-Twilio-Signature": sign(url, params)})


@pytest.fixture
def twilio(app: Flask) -> Twilio:
    return Twilio(app.test_client())


class Caller(Twilio):
    """A caller on the line: answers each Gather the way Twilio would post it, keeps what was heard.

    Every TwiML answer is checked against what Twilio allows (verbs, nesting, attributes).
    """

    def __init__(self, client: FlaskClient, call_sid: str = "CA" + "2" * 32) -> None:
        super().__init__(client, call_sid)
        self.twiml: ElementTree.Element | None = None
        self.responses: list[str] = []
        self.last_enqueue: ElementTree.Element | None = None

    def _answer(self, url: str, context: str = "call", **extra: str) -> ElementTree.Element:
        response = self.post(url, **extra)
        assert response.status_code == 200, response.data
        assert response.mimetype == "text/xml"
        body = response.data.decode()
        assert twiml_rules.problems(body, context) == [], body
        self.responses.append(body)
        self.twiml = ElementTree.fromstring(body)
        if self.twiml.find("Enqueue") is not None:
            self.last_enqueue = self.twiml.find("Enqueue")
        return self.twiml

    def call(self) -> ElementTree.Element:
        return self._answer("/voice/incoming")

    def gather(self) -> ElementTree.Element:
        assert self.twiml is not None
        found = self.twiml.find("Gather")
        assert found is not None, "the caller is not at a menu: " + ElementTree.tostring(self.twiml).decode()
        return found

    def press(self, digits: str) -> ElementTree.Element:
        return self._answer(self.gather().attrib["action"], Digits=digits)

    def say(self, words: str, confidence: str = "0.92") -> ElementTree.Element:
        return self._answer(self.gather().attrib["action"], SpeechResult=words, Confidence=confidence)

    def silence(self) -> ElementTree.Element:
        gather = self.gather()
        assert gather.attrib.get("actionOnEmptyResult") == "true"
        return self._answer(gather.attrib["action"])

    def heard(self) -> list[str]:
        assert self.twiml is not None
        return [say.text or "" for say in self.twiml.iter("Say")]

    def heard_text(self) -> str:
        return " ".join(self.heard())

    def languages_heard(self) -> set[str]:
        assert self.twiml is not None
        return {say.attrib["language"] for say in self.twiml.iter("Say")}

    def verbs(self) -> list[str]:
        assert self.twiml is not None
        return [child.tag for child in self.twiml]

    def enqueue(self) -> ElementTree.Element:
        """The Enqueue of the last answer, or of an earlier one while the caller waits in the queue."""
        assert self.twiml is not None
        found = self.twiml.find("Enqueue")
        if found is None and self.twiml.find("Gather") is not None and self.last_enqueue is not None:
            return self.last_enqueue
        assert found is not None, ElementTree.tostring(self.twiml).decode()
        self.last_enqueue = found
        return found

    def wait_in_queue(self, queue_time: int = 30, position: int = 1) -> ElementTree.Element:
        return self._answer(
            self.enqueue().attrib["waitUrl"],
            "queue_wait",
            QueueSid="QU" + "3" * 32,
            QueuePosition=str(position),
            QueueTime=str(queue_time),
            AvgQueueTime="60",
            CurrentQueueSize="1",
            MaxQueueSize=self.enqueue().attrib["maxQueueSize"],
        )

    def leave_queue(self, result: str, queue_time: int = 40) -> ElementTree.Element:
        return self._answer(
            self.enqueue().attrib["action"],
            QueueResult=result,
            QueueSid="QU" + "3" * 32,
            QueueTime=str(queue_time),
        )

    def record(self, seconds: int = 20, recording_sid: str = "RE" + "4" * 32) -> ElementTree.Element:
        assert self.twiml is not None
        record = self.twiml.find("Record")
        assert record is not None
        url = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{recording_sid}"
        self.recording_callback(record.attrib["recordingStatusCallback"], recording_sid, url, seconds)
        return self._answer(
            record.attrib["action"],
            RecordingUrl=url,
            RecordingDuration=str(seconds),
            Digits="#",
            RecordingSid=recording_sid,
        )

    def recording_callback(self, url: str, recording_sid: str, recording_url: str, seconds: int) -> None:
        self._answer(
            url,
            "callback",
            RecordingSid=recording_sid,
            RecordingUrl=recording_url,
            RecordingStatus="completed",
            RecordingDuration=str(seconds),
            RecordingChannels="1",
            RecordingSource="RecordVerb",
        )

    def hang_up(self, duration: int = 95) -> None:
        self._answer("/voice/status", "callback", CallStatus="completed", CallDuration=str(duration))


def the_call(app: Flask, caller: Caller) -> Call:
    """The caller's call as the line recorded it."""
    with app.extensions["ivr.db"]() as session:
        call = session.scalar(select(Call).where(Call.call_sid == caller.call_sid))
        assert call is not None
        session.expunge_all()
        return call


@pytest.fixture
def caller(app: Flask) -> Caller:
    return Caller(app.test_client())


@pytest.fixture
def caller_at(app_at: Callable[..., Flask]) -> Callable[..., Caller]:
    """A caller on a line whose clock reads the given time."""

    def build(moment: str, **overrides: str) -> Caller:
        return Caller(app_at(moment, **overrides).test_client())

    return build

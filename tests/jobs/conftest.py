"""Fixtures for the jobs: a real SMTP server on loopback, Twilio's API at the library's seam, an
on-call file, and the line's records as the webhooks leave them."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from flask import Flask

from ivr.jobs.context import Context
from ivr.models import Call, QueueEntry, Voicemail
from tests.conftest import make_app
from tests.jobs.twilio_stand_in import InProcess, TwilioForJobs

CALLER_NUMBER = "+15555550123"
A_NUMBER = "201234567"
WORDS = "the guard in unit four hit my brother Jose Martinez"
ON_CALL_SMS = "+12025550143"
ON_CALL_EMAIL = "duty.supervisor@example.gov"
SUPERVISORS = "supervisors@example.gov"
RECORDINGS = f"https://api.twilio.com/2010-04-01/Accounts/AC{'0' * 32}/Recordings"


@dataclass
class Mailbox:
    """What the SMTP server received."""

    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802
        message = message_from_bytes(envelope.content, policy=policy.default)  # type: ignore[attr-defined]
        message["X-Rcpt-To"] = ", ".join(envelope.rcpt_tos)  # type: ignore[attr-defined]
        self.messages.append(message)
        return "250 OK"

    @staticmethod
    def text(message: EmailMessage) -> str:
        return str(message.get_content()).replace("\r\n", "\n")

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in m["X-Rcpt-To"]]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    """A real SMTP server (aiosmtpd) on a free loopback port."""
    mailbox, port = Mailbox(), free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield mailbox, port
    controller.stop()


@pytest.fixture
def on_call_file(tmp_path: Path) -> Path:
    path = tmp_path / "on_call.toml"
    path.write_text(
        f'[supervisors]\nemail = ["{SUPERVISORS}"]\n\n'
        f'[on_call]\nname = "Duty supervisor"\nsms = "{ON_CALL_SMS}"\nemail = "{ON_CALL_EMAIL}"\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture
def twilio_api() -> TwilioForJobs:
    return TwilioForJobs()


@pytest.fixture
def jobs_app(
    _schema: None, database_dir: Path, smtp: tuple[Mailbox, int], on_call_file: Path
) -> Iterator[Callable[..., Flask]]:
    """The app at a given moment, its jobs' mail going to the loopback SMTP server."""
    from tests.conftest import _empty

    made: list[Flask] = []

    def build(moment: str = "2026-11-28T22:00:00-05:00", **overrides: str) -> Flask:  # a Saturday night
        environ = {
            "IVR_FIXED_TIME": moment,
            "IVR_SMTP_HOST": "127.0.0.1",
            "IVR_SMTP_PORT": str(smtp[1]),
            "IVR_ON_CALL": str(on_call_file),
            "IVR_MAIL_FROM": "dril-ivr@example.gov",
        } | overrides
        made.append(make_app(database_dir, **environ))
        return made[-1]

    yield build
    for app in made[:1]:
        _empty(app)
    for app in made[1:]:
        from ivr import db

        db.dispose(app)


def context(app: Flask, api: TwilioForJobs, later: timedelta = timedelta()) -> Context:
    """A run of a job at the app's moment (or `later`), Twilio answered by the stand-in."""
    found = Context.of(app, InProcess(api))
    found.now += later
    return found


def add_call(
    app: Flask,
    started: datetime,
    call_sid: str = "CA" + "7" * 32,
    *,
    ended: bool = True,
    queued: bool = False,
    voicemail: bool = False,
    urgent: bool = False,
    after_hours: bool = True,
    priority: int = 1,
) -> tuple[int, int | None]:
    """A call with a caller's number, A-number and words, as the webhooks leave one; maybe a voicemail."""
    with app.extensions["ivr.db"]() as session:
        call = Call(
            call_sid=call_sid,
            caller_number=CALLER_NUMBER,
            caller_fingerprint="f" * 64,
            started_at=started,
            ended_at=started + timedelta(minutes=3) if ended else None,
            state="ended" if ended else "queued",
            step=4,
            language="es",
            caller_type="detained",
            subject="assault" if urgent else "detention_conditions",
            subject_transcript=WORDS,
            a_number=A_NUMBER,
            priority=priority,
            outcome="voicemail" if voicemail and ended else None,
        )
        session.add(call)
        session.flush()
        if queued:
            session.add(
                QueueEntry(call_id=call.id, queue_name="operators", priority=priority, enqueued_at=started)
            )
        voicemail_id = None
        if voicemail:
            message = Voicemail(
                call_id=call.id,
                recording_sid="RE" + call_sid[2:],
                recording_url=f"{RECORDINGS}/RE{call_sid[2:]}",
                duration_seconds=40,
                language="es",
                caller_type="detained",
                subject=call.subject,
                priority=priority,
                urgent=urgent,
                left_after_hours=after_hours,
                created_at=started + timedelta(minutes=2),
                work_on=date(2026, 11, 30),
            )
            session.add(message)
            session.flush()
            voicemail_id = message.id
        session.commit()
        return call.id, voicemail_id

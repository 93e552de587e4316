"""Messages to supervisors about voicemails: each queued once, sent, and retried until it goes.

A send that fails waits longer each time (BACKOFF, doubling up to MAX_WAIT) and is tried again,
forever: an alert is never dropped. After IVR_ALERT_FAILING_AFTER failures it is marked failing,
and the supervisors' dashboard shows it until it goes.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr.db import session_scope
from ivr.desk.twilio_rest import describe
from ivr.jobs.context import Context, NotConfigured
from ivr.models import Alert, AlertChannel, AlertKind, Voicemail

log = logging.getLogger(__name__)

BACKOFF = timedelta(seconds=30)
MAX_WAIT = timedelta(minutes=30)


def recipient_key(address: str) -> str:
    return hashlib.sha256(address.strip().lower().encode()).hexdigest()


def queue(
    session: Session, voicemail: Voicemail, kind: AlertKind, channel: AlertChannel, to: str, now: datetime
) -> None:
    """Add an alert unless the same one exists (the unique key holds it once)."""
    key = recipient_key(to)
    exists = session.scalar(
        select(Alert.id).where(
            Alert.voicemail_id == voicemail.id,
            Alert.kind == kind,
            Alert.channel == channel,
            Alert.recipient_key == key,
        )
    )
    if exists is None:
        session.add(
            Alert(
                voicemail_id=voicemail.id,
                kind=kind,
                channel=channel,
                recipient=to,
                recipient_key=key,
                created_at=now,
                attempts=0,
                next_attempt_at=now,
                failing=False,
            )
        )


@dataclass(frozen=True)
class Delivery:
    sent: int
    failed: int

    def __str__(self) -> str:
        return f"{self.sent} sent, {self.failed} failed (to be retried)"


def deliver(
    context: Context, kind: AlertKind, message: Callable[[Voicemail, AlertChannel], tuple[str, str]]
) -> Delivery:
    """Send every alert of `kind` that is due; `message` gives (subject, text) without personal data."""
    now = context.now
    sent = failed = 0
    with session_scope(context.app) as session:
        due = session.scalars(
            select(Alert)
            .where(Alert.kind == kind, Alert.sent_at.is_(None), Alert.next_attempt_at <= now)
            .order_by(Alert.id)
        ).all()
        for alert in due:
            voicemail = session.get(Voicemail, alert.voicemail_id)
            if voicemail is None:
                continue
            subject, text = message(voicemail, AlertChannel(alert.channel))
            try:
                if alert.channel == AlertChannel.SMS:
                    context.send_sms(alert.recipient, text)
                else:
                    context.send_email([alert.recipient], subject, text)
            except Exception as error:  # noqa: BLE001 - any failure is retried; the board shows it
                alert.attempts += 1
                alert.last_error = (str(error) if isinstance(error, NotConfigured) else describe(error))[:200]
                alert.next_attempt_at = now + min(BACKOFF * 2 ** (alert.attempts - 1), MAX_WAIT)
                alert.failing = alert.attempts >= context.settings.jobs.alert_failing_after
                log.warning(
                    "alert %s (%s, voicemail %s) not sent, attempt %s: %s",
                    alert.id,
                    alert.channel,
                    alert.voicemail_id,
                    alert.attempts,
                    alert.last_error,
                )
                failed += 1
            else:
                alert.sent_at, alert.failing = now, False
                sent += 1
            session.commit()  # each send recorded as it happens: a crash must not send it twice
    return Delivery(sent, failed)

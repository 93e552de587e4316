"""What the background jobs need a supervisor to see on the board: alerts that keep failing, urgent
voicemails no supervisor has been told of, voicemails past their target, jobs that failed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ivr.config import Settings
from ivr.models import Alert, AlertKind, JobRun, RunResult, Voicemail


@dataclass(frozen=True)
class Attention:
    failing_alerts: list[int]  # voicemail ids whose alert keeps failing
    unalerted_urgent: list[int]  # urgent, left after hours, nobody told yet
    overdue: list[int]  # past their service level and still open
    failed_jobs: list[tuple[str, str]]  # (job, its last run's summary)

    def __bool__(self) -> bool:
        return bool(self.failing_alerts or self.unalerted_urgent or self.overdue or self.failed_jobs)


def attention(session: Session, settings: Settings, now: datetime) -> Attention:
    failing = session.scalars(
        select(Alert.voicemail_id).where(Alert.sent_at.is_(None), Alert.failing.is_(True)).distinct()
    ).all()
    # The job looks every IVR_ALERT_POLL_SECONDS: one not alerted after two looks is a problem.
    grace = now - timedelta(seconds=2 * settings.jobs.alert_poll_seconds)
    unalerted = session.scalars(
        select(Voicemail.id).where(
            Voicemail.urgent.is_(True),
            Voicemail.left_after_hours.is_(True),
            Voicemail.supervisor_alerted_at.is_(None),
            Voicemail.closed_at.is_(None),
            Voicemail.created_at < grace,
        )
    ).all()
    overdue = session.scalars(
        select(Voicemail.id)
        .join(Alert, Alert.voicemail_id == Voicemail.id)
        .where(Alert.kind == AlertKind.SERVICE_LEVEL, Voicemail.closed_at.is_(None))
        .distinct()
    ).all()
    latest = select(JobRun.job, func.max(JobRun.id).label("id")).group_by(JobRun.job).subquery()
    failed = session.execute(
        select(JobRun.job, JobRun.summary)
        .join(latest, latest.c.id == JobRun.id)
        .where(JobRun.result.in_([RunResult.FAILED, RunResult.WARNING]))
        .order_by(JobRun.job)
    ).all()
    return Attention(
        sorted(failing), sorted(unalerted), sorted(overdue), [(job, summary or "") for job, summary in failed]
    )

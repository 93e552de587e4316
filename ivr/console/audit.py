"""The audit log as the console writes it: who looked at which caller's personal data, when and why."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ivr.models import AuditAction, AuditEntry


def audit(
    db: Session, user_id: int, action: AuditAction, subject: str, now: datetime, reason: str | None = None
) -> None:
    """Add an entry to the audit log; the caller commits it with what it records.

    The reason is in the person's own words and may name someone: it is an encrypted column, and
    it never goes to a log line.
    """
    db.add(AuditEntry(at=now, user_id=user_id, action=action.value, subject=subject, reason=reason))

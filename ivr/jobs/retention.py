"""Personal data older than IVR_RETENTION_DAYS is deleted; the anonymous numbers stay.

For each old call: the caller's number and its fingerprint, the A-number, the words heard, the last
answer (it may repeat them) and the operators' notes are cleared. Each old voicemail's recording is
deleted at Twilio through its API (a recording Twilio no longer has counts as deleted), then its
address and follow-up notes here. What remains (when, how long, subject, priority, outcome, waits)
keeps the line's numbers. Every purge is a line in the audit log, by no person.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sqlalchemy import select, update

from ivr.db import session_scope
from ivr.desk.twilio_rest import describe
from ivr.jobs.context import Context
from ivr.jobs.outcome import Done
from ivr.models import AuditAction, AuditEntry, Call, Disposition, RunResult, Voicemail

log = logging.getLogger(__name__)

TWILIO_NOT_FOUND = 20404


def run(context: Context) -> Done:
    now = context.now
    days = context.settings.jobs.retention_days
    cutoff = now - timedelta(days=days)
    reason = f"retention: older than {days} days (IVR_RETENTION_DAYS)"
    recordings = kept = 0
    with session_scope(context.app) as session:
        old_voicemails = session.scalars(
            select(Voicemail).where(Voicemail.created_at < cutoff, Voicemail.purged_at.is_(None))
        ).all()
    for voicemail in old_voicemails:
        problem = delete_recording(context, voicemail.recording_sid)
        delete_local_copy(context, voicemail.recording_url)
        if problem:
            kept += 1  # tried again next run; the run says so
            continue
        with session_scope(context.app) as session:
            session.execute(
                update(Voicemail)
                .where(Voicemail.id == voicemail.id)
                .values(recording_url=None, follow_up_notes=None, purged_at=now)
            )
            session.add(
                AuditEntry(
                    at=now,
                    user_id=None,
                    action=AuditAction.PURGE_RECORDING,
                    subject=f"voicemail {voicemail.id}",
                    reason=reason,
                )
            )
        recordings += 1
    with session_scope(context.app) as session:
        old_calls = session.scalars(
            select(Call.id).where(Call.started_at < cutoff, Call.purged_at.is_(None))
        ).all()
        for call_id in old_calls:
            session.execute(
                update(Call)
                .where(Call.id == call_id)
                .values(
                    caller_number=None,
                    caller_fingerprint=None,
                    a_number=None,
                    pending_a_number=None,
                    subject_transcript=None,
                    last_response=None,
                    purged_at=now,
                )
            )
            session.execute(update(Disposition).where(Disposition.call_id == call_id).values(notes=None))
            session.add(
                AuditEntry(
                    at=now,
                    user_id=None,
                    action=AuditAction.PURGE_CALL,
                    subject=f"call {call_id}",
                    reason=reason,
                )
            )
    summary = f"{len(old_calls)} call(s) and {recordings} recording(s) purged (before {cutoff:%Y-%m-%d})"
    if kept:
        return Done(
            RunResult.WARNING, f"{summary}; {kept} recording(s) Twilio did not delete, tried again next run"
        )
    return Done(RunResult.OK, summary)


def delete_local_copy(context: Context, url: str | None) -> None:
    """The simulator keeps its recordings on this machine as file: URLs (never in production)."""
    if not url or context.settings.env == "production":
        return
    parts = urlsplit(url)
    if parts.scheme == "file":
        Path(unquote(parts.path)).unlink(missing_ok=True)


def delete_recording(context: Context, recording_sid: str) -> str | None:
    """Delete a recording at Twilio; None when done or already gone, else why not (for the log)."""
    if not context.has_twilio_account:
        return "no Twilio account (TWILIO_ACCOUNT_SID)"
    try:
        context.twilio().recordings(recording_sid).delete()
    except Exception as error:  # noqa: BLE001 - the recording stays; retried on the next run
        if getattr(error, "code", None) == TWILIO_NOT_FOUND or getattr(error, "status", None) == 404:
            return None
        log.warning("recording of a voicemail not deleted at Twilio: %s", describe(error))
        return describe(error)
    return None

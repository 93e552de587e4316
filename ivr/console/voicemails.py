"""Voicemails: their queue (urgent after-hours first, then priority and age), claim, listen, follow up, close.

A claim is one conditional UPDATE (… WHERE claimed_by IS NULL): of two operators claiming at once,
the database lets exactly one through. Only the operator holding a voicemail hears it, through the
app, each listen audited; the browser never sees where the recording is kept.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from flask import Response, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import CursorResult, and_, case, select, update
from sqlalchemy.orm import Session

from ivr.auth import role_required, signed_in_user
from ivr.clock import line_now
from ivr.console import bp
from ivr.console.audit import audit
from ivr.console.context import context_of
from ivr.console.polling import key_of, unchanged
from ivr.console.recordings import AUDIO_TYPES, RecordingUnavailable, current_recordings
from ivr.console.words import (
    CALLER_TYPES,
    FOLLOW_UPS,
    PRIORITIES,
    SUBJECTS,
    duration,
    language_name,
    named,
)
from ivr.db import get_session
from ivr.models import AuditAction, FollowUp, Role, User, Voicemail, VoicemailStatus
from ivr.routing import aware

log = logging.getLogger(__name__)

FOLLOW_UP_CHOICES = frozenset(choice.value for choice in FollowUp)
MAX_NOTES = 20_000
# Urgent messages left while the line was closed first (nobody could answer them live), then by
# priority, then the oldest.
QUEUE_ORDER = (
    case((and_(Voicemail.urgent.is_(True), Voicemail.left_after_hours.is_(True)), 0), else_=1),
    Voicemail.priority,
    Voicemail.created_at,
    Voicemail.id,
)


@dataclass(frozen=True)
class VoicemailItem:
    """One voicemail as the list shows it: no number, no words, only what sorts and routes it."""

    id: int
    received: datetime
    work_on: date
    language: str
    interpreter: bool
    caller_type: str
    subject: str
    priority: str
    urgent: bool
    after_hours: bool
    length: str
    claimed_by: str | None
    mine: bool


def open_voicemails(db: Session, operator_id: int, now: datetime) -> list[VoicemailItem]:
    rows = db.execute(
        select(Voicemail, User.name)
        .outerjoin(User, User.id == Voicemail.claimed_by)
        .where(Voicemail.closed_at.is_(None))
        .order_by(*QUEUE_ORDER)
    ).all()
    return [
        VoicemailItem(
            id=voicemail.id,
            received=aware(voicemail.created_at, now),
            work_on=voicemail.work_on,
            language=language_name(voicemail.needs_interpreter or voicemail.language),
            interpreter=voicemail.needs_interpreter is not None,
            caller_type=named(CALLER_TYPES, voicemail.caller_type),
            subject=named(SUBJECTS, voicemail.subject),
            priority=named(PRIORITIES, voicemail.priority),
            urgent=voicemail.urgent,
            after_hours=voicemail.left_after_hours,
            length=duration_of(voicemail),
            claimed_by=name,
            mine=voicemail.claimed_by == operator_id,
        )
        for voicemail, name in rows
    ]


def duration_of(voicemail: Voicemail) -> str:
    seconds = voicemail.duration_seconds
    return duration(timedelta(seconds=seconds) if seconds is not None else None)


def _list_key(items: list[VoicemailItem]) -> str:
    return key_of([(item.id, item.claimed_by, item.mine) for item in items])


def claim(db: Session, voicemail_id: int, operator_id: int, now: datetime) -> bool:
    """Hold a voicemail unless someone does: one statement, so two claims at once cannot both win."""
    # End this session's read first: SQLite cannot turn a read begun before another claim was
    # committed into a write (it would refuse, not wait), and the claim must see the latest row.
    db.commit()
    claimed = db.execute(
        update(Voicemail)
        .where(Voicemail.id == voicemail_id, Voicemail.claimed_by.is_(None), Voicemail.closed_at.is_(None))
        .values(claimed_by=operator_id, claimed_at=now, status=VoicemailStatus.CLAIMED.value)
        .execution_options(synchronize_session=False)
    )
    db.commit()
    return cast(CursorResult[Any], claimed).rowcount == 1


def _mine(voicemail_id: int) -> tuple[Session, User, Voicemail]:
    """The voicemail, if the signed-in operator holds it and it is open; else 404 or 403."""
    db, user = get_session(), signed_in_user()
    voicemail = db.get(Voicemail, voicemail_id, populate_existing=True)
    if voicemail is None:
        abort(404)
    if voicemail.claimed_by != user.id:
        abort(403)
    return db, user, voicemail


@bp.get("/voicemails")
@role_required(Role.OPERATOR)
def voicemails() -> ResponseReturnValue:
    db, user = get_session(), signed_in_user()
    items = open_voicemails(db, user.id, line_now(current_app.config["IVR"]))
    return render_template("console/voicemails.html", items=items, key=_list_key(items))


@bp.get("/voicemails/list")
@role_required(Role.OPERATOR)
def voicemail_list() -> ResponseReturnValue:
    """The list, polled: 204 while no voicemail came, went or changed hands."""
    db, user = get_session(), signed_in_user()
    items = open_voicemails(db, user.id, line_now(current_app.config["IVR"]))
    key = _list_key(items)
    if unchanged(key):
        return "", 204
    return render_template("console/_voicemail_list.html", items=items, key=key)


@bp.post("/voicemails/<int:voicemail_id>/claim")
@role_required(Role.OPERATOR)
def claim_voicemail(voicemail_id: int) -> ResponseReturnValue:
    db, user = get_session(), signed_in_user()
    if claim(db, voicemail_id, user.id, line_now(current_app.config["IVR"])):
        return redirect(url_for("console.voicemail", voicemail_id=voicemail_id))
    voicemail = db.get(Voicemail, voicemail_id, populate_existing=True)
    if voicemail is not None and voicemail.claimed_by == user.id and voicemail.closed_at is None:
        return redirect(url_for("console.voicemail", voicemail_id=voicemail_id))  # a second click
    flash(_("Another operator has this voicemail, or it is closed. Choose another."))
    return redirect(url_for("console.voicemails"))


@bp.get("/voicemails/<int:voicemail_id>")
@role_required(Role.OPERATOR)
def voicemail(voicemail_id: int) -> ResponseReturnValue:
    db, user, held = _mine(voicemail_id)
    if held.closed_at is not None:
        flash(_("That voicemail is closed."))
        return redirect(url_for("console.voicemails"))
    now = line_now(current_app.config["IVR"])
    return render_template(
        "console/voicemail.html",
        voicemail=held,
        received=aware(held.created_at, now),
        length=duration_of(held),
        caller=context_of(db, held.call, now),
        follow_ups=[(choice.value, FOLLOW_UPS[choice]) for choice in FollowUp],
        playable=bool(held.recording_url),
    )


@bp.post("/voicemails/<int:voicemail_id>/release")
@role_required(Role.OPERATOR)
def release_voicemail(voicemail_id: int) -> ResponseReturnValue:
    """Let the voicemail go back to the queue, untouched, for someone else to take."""
    db, user = get_session(), signed_in_user()
    db.execute(
        update(Voicemail)
        .where(Voicemail.id == voicemail_id, Voicemail.claimed_by == user.id, Voicemail.closed_at.is_(None))
        .values(claimed_by=None, claimed_at=None, status=VoicemailStatus.NEW.value)
        .execution_options(synchronize_session=False)
    )
    db.commit()
    flash(_("The voicemail is back in the queue."))
    return redirect(url_for("console.voicemails"))


@bp.post("/voicemails/<int:voicemail_id>/close")
@role_required(Role.OPERATOR)
def close_voicemail(voicemail_id: int) -> ResponseReturnValue:
    """Record the follow-up and its notes (encrypted), and close the voicemail."""
    db, user, held = _mine(voicemail_id)
    follow_up = request.form.get("follow_up", "")
    if follow_up not in FOLLOW_UP_CHOICES:
        flash(_("Choose the follow-up, then close the voicemail."))
        return redirect(url_for("console.voicemail", voicemail_id=voicemail_id))
    if held.closed_at is None:
        held.follow_up = follow_up
        held.follow_up_notes = request.form.get("notes", "")[:MAX_NOTES] or None
        held.closed_at = line_now(current_app.config["IVR"])
        held.status = VoicemailStatus.CLOSED.value
        db.commit()
    flash(_("Voicemail closed."))
    return redirect(url_for("console.voicemails"))


@bp.get("/voicemails/<int:voicemail_id>/recording")
@role_required(Role.OPERATOR)
def recording(voicemail_id: int) -> ResponseReturnValue:
    """The message's audio, fetched by the app; each listen (a request from its start) is audited."""
    db, user, held = _mine(voicemail_id)
    if not held.recording_url:
        abort(404)
    recordings = current_recordings()
    try:
        local = recordings.local_file(held.recording_url)
        stream = None if local is not None else recordings.stream(held.recording_url)
    except RecordingUnavailable as missing:
        log.warning("voicemail %s cannot be played: %s", voicemail_id, missing)
        return _("The recording cannot be played now. Try again later."), 503
    # A player asks again for later parts as it seeks or buffers: a listen is a request from the start.
    if request.headers.get("Range", "bytes=0-").startswith("bytes=0-"):
        now = line_now(current_app.config["IVR"])
        audit(db, user.id, AuditAction.LISTEN_VOICEMAIL, f"voicemail {voicemail_id}", now)
        db.commit()
    if local is not None:
        return send_file(local, mimetype=AUDIO_TYPES[local.suffix.lower()], conditional=True, max_age=0)
    if stream is None:
        abort(404)
    answer = Response(stream.chunks, mimetype=stream.mimetype)
    if stream.length:
        answer.headers["Content-Length"] = stream.length
    answer.call_on_close(stream.close)
    return answer

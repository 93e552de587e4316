"""After the call: the disposition (a kind from a fixed list) and notes, a draft saved as the operator types.

Every change of the form is posted as a draft (htmx, on input), so a reload or a crashed browser
loses nothing; "Save" makes it final and, if the operator is wrapping up, ends the wrap-up. The
notes are an encrypted column (they may name people); they never appear in a log line or a URL.
"""

from __future__ import annotations

from datetime import datetime

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr.auth import role_required, signed_in_user
from ivr.clock import line_now
from ivr.console import bp
from ivr.console.polling import from_htmx
from ivr.console.words import DISPOSITIONS
from ivr.db import get_session
from ivr.desk import current_desk
from ivr.desk.connections import ANSWERED
from ivr.models import Connection, Disposition, DispositionKind, Operator, OperatorState, Role, User

KINDS = frozenset(kind.value for kind in DispositionKind)
MAX_NOTES = 20_000  # characters: several pages of notes, far below what would burden a request


def pending_disposition(db: Session, operator_id: int) -> int | None:
    """The call this operator last talked with, if its disposition is not saved yet."""
    last = db.scalar(
        select(Connection.call_id)
        .where(
            Connection.operator_id == operator_id,
            Connection.result == ANSWERED,
            Connection.ended_at.is_not(None),
        )
        .order_by(Connection.ended_at.desc(), Connection.id.desc())
        .limit(1)
    )
    if last is None:
        return None
    draft = draft_of(db, last, operator_id)
    return None if draft is not None and draft.final else last


def draft_of(db: Session, call_id: int, operator_id: int) -> Disposition | None:
    """This operator's disposition of the call, draft or final (the latest, should two tabs race)."""
    return db.scalar(
        select(Disposition)
        .where(Disposition.call_id == call_id, Disposition.operator_id == operator_id)
        .order_by(Disposition.final.desc(), Disposition.id.desc())
        .limit(1)
    )


def talked_with(db: Session, operator_id: int, call_id: int) -> bool:
    """Whether this operator is talking or talked with this caller: only they disposition the call."""
    return (
        db.scalar(
            select(Connection.id)
            .where(
                Connection.operator_id == operator_id,
                Connection.call_id == call_id,
                Connection.result == ANSWERED,
            )
            .limit(1)
        )
        is not None
    )


def after_call_part(db: Session, user: User, call_id: int | None) -> dict[str, object]:
    """What the after-the-call part's template needs: the call, its draft, the kinds to choose from."""
    return {
        "call_id": call_id,
        "draft": draft_of(db, call_id, user.id) if call_id is not None else None,
        "kinds": [(kind.value, DISPOSITIONS[kind]) for kind in DispositionKind],
        "kind_names": DISPOSITIONS,
    }


def render_after_call(db: Session, user: User, call_id: int | None, oob: bool = False) -> str:
    return render_template("console/_after_call.html", oob=oob, **after_call_part(db, user, call_id))


def _write(db: Session, call_id: int, operator_id: int, now: datetime, final: bool) -> Disposition | None:
    """Keep the form's kind and notes as this operator's disposition; None if it was saved already."""
    kind = request.form.get("kind") or None
    if kind is not None and kind not in KINDS:
        abort(400)
    notes = request.form.get("notes", "")[:MAX_NOTES] or None
    disposition = draft_of(db, call_id, operator_id)
    if disposition is not None and disposition.final:
        return None
    if disposition is None:
        disposition = Disposition(call_id=call_id, operator_id=operator_id, final=False)
        db.add(disposition)
    disposition.kind, disposition.notes, disposition.updated_at = kind, notes, now
    disposition.final = final
    return disposition


def _allowed(call_id: int) -> tuple[Session, User]:
    db, user = get_session(), signed_in_user()
    if not talked_with(db, user.id, call_id):
        abort(403)
    return db, user


@bp.post("/calls/<int:call_id>/disposition/draft")
@role_required(Role.OPERATOR)
def save_draft(call_id: int) -> ResponseReturnValue:
    """Keep what the form holds now, not final: posted by htmx as the operator types."""
    db, user = _allowed(call_id)
    now = line_now(current_app.config["IVR"])
    saved = _write(db, call_id, user.id, now, final=False)
    db.commit()
    if not from_htmx():
        return redirect(url_for("console.home"))
    return render_template("console/_draft_status.html", draft=saved, already=saved is None)


@bp.post("/calls/<int:call_id>/disposition")
@role_required(Role.OPERATOR)
def save(call_id: int) -> ResponseReturnValue:
    """Make the disposition final (a kind is needed), and end the operator's wrap-up."""
    db, user = _allowed(call_id)
    now = line_now(current_app.config["IVR"])
    if not request.form.get("kind"):
        # Kept as a draft, so nothing typed is lost; the form says what is missing.
        _write(db, call_id, user.id, now, final=False)
        db.commit()
        flash(_("Choose what came of the call, then save."))
        return redirect(url_for("console.home", _anchor="after-call"))
    saved = _write(db, call_id, user.id, now, final=True)
    db.commit()
    if saved is None:
        flash(_("This call's disposition was saved already."))
        return redirect(url_for("console.home"))
    operator = db.get(Operator, user.id)
    if operator is not None and operator.state == OperatorState.WRAPPING_UP:
        current_desk().operator_available(user.id, now)
    flash(_("Disposition saved."))
    return redirect(url_for("console.home"))

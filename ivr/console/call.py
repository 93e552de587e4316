"""The call: the caller being connected to this operator, with everything the line learned, and its controls.

The card is polled (`GET /console/call`, every few seconds) and redrawn only when what it shows
changes: a caller offered, in the room, gone. Its controls act on the operator's own open
connection, never on one named by the browser: hold, add the interpreter service, transfer to a
field office (chosen from the line's offices, never a number typed in), end.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ivr.auth import role_required, signed_in_user
from ivr.clock import line_now
from ivr.console import bp
from ivr.console.context import CallerContext, context_of
from ivr.console.disposition import pending_disposition, render_after_call
from ivr.console.me import MyState, effective_state, my_state, render_me
from ivr.console.polling import from_htmx, key_of, unchanged
from ivr.db import get_session
from ivr.desk import DeskError, current_desk
from ivr.desk.connections import Live, open_for_operator
from ivr.desk.twilio_rest import describe
from ivr.line import current_line
from ivr.models import Call, Operator, OperatorState, Role, User
from ivr.rules.field_offices import FieldOffice

log = logging.getLogger(__name__)

HELD = "held_connection"  # the session remembers which connection this browser put on hold
NONE, CONNECTING, TALKING, AFTER = "none", "connecting", "talking", "after"


@dataclass(frozen=True)
class CallCard:
    """What the call part of the console shows now, and the key that names it."""

    phase: str
    connection_id: int | None
    context: CallerContext | None
    held: bool
    form_call_id: int | None  # the call whose disposition the operator is asked for
    me: MyState

    @property
    def key(self) -> str:
        return key_of(self.phase, self.connection_id, self.held, self.form_call_id, self.me.state)

    @property
    def looked_up(self) -> str | None:
        """The first field office the caller looked up: the transfer's first choice."""
        offices = (self.context.field_office or "") if self.context else ""
        return offices.split(", ")[0] or None


def call_card(db: Session, user: User, now: datetime) -> CallCard:
    live = open_for_operator(current_desk().engine, user.id)
    me = my_state(db, user, now)
    if live is not None:
        phase = TALKING if live.in_room else CONNECTING
        return CallCard(
            phase=phase,
            connection_id=live.id,
            context=_context(db, live.call_id, now),
            held=phase == TALKING and session.get(HELD) == live.id,
            form_call_id=live.call_id if phase == TALKING else None,
            me=me,
        )
    pending = pending_disposition(db, user.id)
    if pending is None:
        return CallCard(NONE, None, None, False, None, me)
    return CallCard(AFTER, None, _context(db, pending, now), False, pending, me)


def _context(db: Session, call_id: int, now: datetime) -> CallerContext | None:
    call = db.get(Call, call_id)
    return None if call is None else context_of(db, call, now)


def settle_wrap_up(db: Session, user: User, now: datetime) -> None:
    """End a wrap-up that is over: past its maximum, or with the disposition already saved.

    The desk counts an operator past the maximum as free, but only decides when a caller joins or
    a call ends; the console, polling, asks it now so a caller already waiting is offered at once.
    """
    operator = db.get(Operator, user.id)
    if operator is None or operator.state != OperatorState.WRAPPING_UP:
        return
    if effective_state(operator, now) == OperatorState.WRAPPING_UP and pending_disposition(db, user.id):
        return
    current_desk().operator_available(user.id, now)
    db.rollback()  # the desk wrote on its own connection: read afresh


def offices_to_transfer_to() -> list[FieldOffice]:
    return [office for office in current_line().offices.offices if office.phone]


def render_card(card: CallCard, message: str | None = None, error: str | None = None) -> str:
    return render_template(
        "console/_call.html",
        card=card,
        offices=offices_to_transfer_to(),
        looked_up=card.looked_up,
        message=message,
        error=error,
    )


@bp.get("/call")
@role_required(Role.OPERATOR)
def call_part() -> ResponseReturnValue:
    """The call part, polled: 204 while it shows what holds; else redrawn, with what changed around it."""
    db, user = get_session(), signed_in_user()
    now = line_now(current_app.config["IVR"])
    settle_wrap_up(db, user, now)
    card = call_card(db, user, now)
    if unchanged(card.key):
        return "", 204
    parts = [render_card(card), render_me(db, user, now, oob=True)]
    parts.append(render_template("console/_call_news.html", card=card))
    if request.args.get("form") != str(card.form_call_id or ""):
        parts.append(render_after_call(db, user, card.form_call_id, oob=True))
    return "".join(parts)


def _act(action: Callable[[Live], str]) -> ResponseReturnValue:
    """Do one control on the operator's call; answer the redrawn card with what happened."""
    db, user = get_session(), signed_in_user()
    settings = current_app.config["IVR"]
    live = open_for_operator(current_desk().engine, user.id)
    message = error = None
    if live is None or not live.in_room:
        error = _("No caller is in a call with you now.")
    elif not live.conference_sid:
        error = _("The call is still being connected: try again in a moment.")
    else:
        try:
            message = action(live)
        except DeskError as refused:
            error = _("That cannot be done now: %(reason)s", reason=str(refused))
        except Exception as failed:  # noqa: BLE001 - the library's errors, imported only when used
            log.warning("console action on connection %s failed: %s", live.id, describe(failed))
            error = _("Twilio did not take the request. Try again in a moment.")
    db.rollback()
    if from_htmx():
        return render_card(call_card(db, user, line_now(settings)), message, error)
    flash(error or message or "")
    return redirect(url_for("console.home"))


@bp.post("/call/hold")
@role_required(Role.OPERATOR)
def hold() -> ResponseReturnValue:
    on = request.form.get("on") == "1"

    def put_on_hold(live: Live) -> str:
        current_desk().hold(live.id, on)
        if on:
            session[HELD] = live.id
            return str(_("The caller is on hold."))
        session.pop(HELD, None)
        return str(_("The caller is back with you."))

    return _act(put_on_hold)


@bp.post("/call/interpreter")
@role_required(Role.OPERATOR)
def add_interpreter() -> ResponseReturnValue:
    def dial_interpreter(live: Live) -> str:
        if not current_app.config["IVR"].interpreter_number:
            raise DeskError(_("no interpreter service is configured (IVR_INTERPRETER_NUMBER)"))
        current_desk().add_interpreter(live.id)
        return str(_("The interpreter service is being called into the call."))

    return _act(dial_interpreter)


@bp.post("/call/transfer")
@role_required(Role.OPERATOR)
def transfer() -> ResponseReturnValue:
    chosen = request.form.get("office", "")
    office = next((found for found in offices_to_transfer_to() if found.name == chosen), None)

    def dial_office(live: Live) -> str:
        if office is None or office.phone is None:
            raise DeskError(_("choose a field office from the list"))
        current_desk().transfer_to_field_office(live.id, office.phone)
        return str(
            _(
                "The %(office)s field office is being called. You may hang up: the caller stays on the line.",
                office=office.name,
            )
        )

    return _act(dial_office)


@bp.post("/call/end")
@role_required(Role.OPERATOR)
def end() -> ResponseReturnValue:
    def end_call(live: Live) -> str:
        current_desk().end_conversation(live.id)
        session.pop(HELD, None)
        return str(_("The call is ending."))

    return _act(end_call)

"""Me: the operator's state (available, away, offline), changed with one click or key.

On a call and wrapping up are the desk's to set. Going available asks the desk, which offers the
next caller at once; away and offline are refused while the operator still holds a caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ivr.auth import role_required, signed_in_user
from ivr.clock import line_now
from ivr.console import bp
from ivr.console.polling import from_htmx
from ivr.crypto import mask_phone
from ivr.db import get_session
from ivr.desk import current_desk
from ivr.desk.assign import CONNECTIONS, locked, set_state
from ivr.models import Operator, OperatorState, Reach, Role, User
from ivr.pages.labels import OPERATOR_STATES, REACHES, label, language_names
from ivr.routing import aware

# What an operator chooses; on a call and wrapping up follow from the calls themselves.
CHOSEN_STATES = (OperatorState.AVAILABLE, OperatorState.AWAY, OperatorState.OFFLINE)
# The documented keys of each choice (the `accesskey` of its button, listed on the screen): Alt+key
# in Chromium, Alt+Shift+key in Firefox, Control+Option+key on a Mac.
STATE_KEYS = {OperatorState.AVAILABLE: "a", OperatorState.AWAY: "w", OperatorState.OFFLINE: "o"}


@dataclass(frozen=True)
class MyState:
    """The operator's state as the console shows it."""

    state: str | None  # None: no operator row (a supervisor who has never taken calls)
    name: str
    since: datetime | None
    wrap_up_until: datetime | None
    holding_caller: bool


def effective_state(operator: Operator | None, now: datetime) -> str | None:
    """The state that holds now: a wrap-up past its maximum is over, the operator free again."""
    if operator is None:
        return None
    if (
        operator.state == OperatorState.WRAPPING_UP
        and operator.wrap_up_until is not None
        and aware(operator.wrap_up_until, now) <= now
    ):
        return OperatorState.AVAILABLE
    return operator.state


def my_state(session: Session, user: User, now: datetime) -> MyState:
    operator = session.get(Operator, user.id, populate_existing=True)
    state = effective_state(operator, now)
    holding = state == OperatorState.ON_CALL
    return MyState(
        state=state,
        name=label(OPERATOR_STATES, state) if state else _("You do not take calls."),
        since=aware(operator.since, now) if operator else None,
        wrap_up_until=(
            aware(operator.wrap_up_until, now)
            if operator and operator.wrap_up_until and state == OperatorState.WRAPPING_UP
            else None
        ),
        holding_caller=holding,
    )


def step_away(engine: Engine, operator_id: int, state: OperatorState, now: datetime) -> bool:
    """Away or offline, unless the operator holds a caller (then False, nothing changed).

    Checked and written in the desk's locked transaction, so a caller offered at this moment is
    not left with an operator who has just gone.
    """
    with locked(engine) as connection:
        holding = connection.scalar(
            select(CONNECTIONS.c.id).where(
                CONNECTIONS.c.operator_id == operator_id, CONNECTIONS.c.ended_at.is_(None)
            )
        )
        if holding is not None:
            connection.rollback()
            return False
        set_state(connection, operator_id, state, now)
        connection.commit()
        return True


def me_part(me: MyState, user: User) -> dict[str, object]:
    """What the Me part's template needs, on the whole screen or alone."""
    address = user.reach_address or ""
    return {
        "me": me,
        "states": [(state, label(OPERATOR_STATES, state), STATE_KEYS[state]) for state in CHOSEN_STATES],
        "languages": language_names(user.languages),
        "interpreter_calls": user.takes_interpreter_calls,
        "reach": label(REACHES, user.reach_by),
        # Their own number, still masked: the console is often on a shared screen.
        "reach_address": mask_phone(address) if user.reach_by == Reach.PHONE else address,
    }


def render_me(
    session: Session, user: User, now: datetime, error: str | None = None, oob: bool = False
) -> str:
    """The Me part; `oob` when it rides along another part's answer (htmx's out-of-band swap)."""
    return render_template(
        "console/_me.html", error=error, oob=oob, **me_part(my_state(session, user, now), user)
    )


@bp.post("/state")
@role_required(Role.OPERATOR)
def change_state() -> ResponseReturnValue:
    """Take the chosen state: available (the desk offers the next caller), away or offline."""
    user = signed_in_user()
    wanted = request.form.get("state", "")
    if wanted not in CHOSEN_STATES:
        return _("Choose available, away or offline."), 400
    desk = current_desk()
    now = line_now(current_app.config["IVR"])
    if wanted == OperatorState.AVAILABLE:
        changed = desk.operator_available(user.id, now)
    else:
        changed = step_away(desk.engine, user.id, OperatorState(wanted), now)
    error = None if changed else _("You are with a caller: your state changes when the call ends.")
    session = get_session()
    # The desk wrote on its own connections: end this session's read, so the page shows what it did.
    session.rollback()
    if from_htmx():
        return render_me(session, user, now, error)
    if error:
        flash(error)
    return redirect(url_for("console.home"))

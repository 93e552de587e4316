"""The console's first screen: who the operator is, their state, their languages, how they are rung."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from ivr.auth import role_required, signed_in_user
from ivr.console import bp
from ivr.crypto import mask_phone
from ivr.db import get_session
from ivr.models import Operator, Reach, Role
from ivr.pages.labels import OPERATOR_STATES, REACHES, label, language_names


@bp.get("/")
@role_required(Role.OPERATOR)
def home() -> ResponseReturnValue:
    user = signed_in_user()
    operator = get_session().get(Operator, user.id)
    address = user.reach_address or ""
    return render_template(
        "console/home.html",
        user=user,
        # A supervisor may open the console without taking calls: no operator row, no state.
        state=label(OPERATOR_STATES, operator.state) if operator else None,
        since=operator.since if operator else None,
        languages=language_names(user.languages),
        reach=label(REACHES, user.reach_by),
        # Their own number, still masked: the console is often on a shared screen.
        reach_address=mask_phone(address) if user.reach_by == Reach.PHONE else address,
    )

"""The dashboard's first screen: what needs a supervisor now, the operators, their state and languages."""

from __future__ import annotations

from flask import current_app, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from ivr.auth import role_required
from ivr.clock import line_now
from ivr.dashboard import bp
from ivr.dashboard.attention import attention
from ivr.db import get_session
from ivr.models import Operator, Role, User
from ivr.pages.labels import OPERATOR_STATES, label, language_names


@bp.get("/")
@role_required(Role.SUPERVISOR)
def home() -> ResponseReturnValue:
    rows = get_session().execute(
        select(User, Operator)
        .join(Operator, Operator.user_id == User.id)
        .where(User.active)
        .order_by(User.name)
    )
    operators = [
        {
            "name": user.name,
            "state": label(OPERATOR_STATES, operator.state),
            "since": operator.since,
            "languages": language_names(user.languages),
            "interpreter_calls": user.takes_interpreter_calls,
        }
        for user, operator in rows
    ]
    settings = current_app.config["IVR"]
    needs = attention(get_session(), settings, line_now(settings))
    return render_template("dashboard/home.html", operators=operators, attention=needs)

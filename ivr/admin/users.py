"""The people who sign in: name, email, role, languages, whether active, their last sign-in."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from ivr.admin import bp
from ivr.auth import role_required
from ivr.db import get_session
from ivr.models import Role, User
from ivr.pages.labels import ROLES, label, language_names


@bp.get("/")
@role_required(Role.ADMINISTRATOR)
def users() -> ResponseReturnValue:
    people = [
        {
            "name": user.name,
            "email": user.email,
            "role": label(ROLES, user.role),
            "languages": language_names(user.languages),
            "active": user.active,
            "last_sign_in_at": user.last_sign_in_at,
        }
        for user in get_session().scalars(select(User).order_by(User.active.desc(), User.name))
    ]
    return render_template("admin/users.html", people=people)

"""Sign-in and roles: the pages before all others, and the decorator every page declares its role with."""

from __future__ import annotations

from flask import Flask

from ivr.accounts import role_includes
from ivr.auth.roles import public_page, role_required
from ivr.auth.signed_in import current_account, make_login_manager, signed_in_user
from ivr.models import Role
from ivr.pages import page_blueprint

bp = page_blueprint("auth", __name__)

__all__ = ["bp", "current_account", "init_app", "public_page", "role_required", "signed_in_user"]


def init_app(app: Flask) -> None:
    manager = make_login_manager()
    # Flask-Login's own init_app would also add an after_request that reads the session on every
    # request, Twilio's webhooks included, to refresh a "remember me" cookie this app never sets.
    # Its request-time lookups need only this attribute, and templates only `current_user`.
    setattr(app, "login_manager", manager)  # noqa: B010 - Flask declares no such attribute
    app.context_processor(_page_context)


def _page_context() -> dict[str, object]:
    # Who is signed in (None when no one), and what the layout needs to show each role its pages.
    return {"account": current_account(), "Role": Role, "role_includes": role_includes}


from ivr.auth import views  # noqa: E402,F401 - the routes register on bp

"""The administrators' pages: people and their accounts (one module per screen; templates/admin/)."""

from __future__ import annotations

from ivr.pages import page_blueprint

bp = page_blueprint("admin", __name__, url_prefix="/admin")

from ivr.admin import users  # noqa: E402,F401 - the routes register on bp

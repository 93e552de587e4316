"""The supervisors' dashboard: one module per screen; templates in templates/dashboard/."""

from __future__ import annotations

from ivr.pages import page_blueprint

bp = page_blueprint("dashboard", __name__, url_prefix="/dashboard")

from ivr.dashboard import home  # noqa: E402,F401 - the routes register on bp

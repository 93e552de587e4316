"""The operators' console: one module per screen (home.py first); templates in templates/console/."""

from __future__ import annotations

from ivr.pages import page_blueprint

bp = page_blueprint("console", __name__, url_prefix="/console")

from ivr.console import home  # noqa: E402,F401 - the routes register on bp

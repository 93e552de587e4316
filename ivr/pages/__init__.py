"""What every page shares: its blueprint's headers and error pages, the session cookie, CSRF, language.

Pages are the operators', supervisors' and administrators' screens; none of this touches /voice or
/audio, whose requests Twilio signs and whose cost is measured (tests/bench/README.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from flask import Blueprint, Flask, Response, current_app, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from ivr.pages import language
from ivr.pages.headers import add_file_headers, add_page_headers

csrf = CSRFProtect()

# A shift and some: a browser left signed in on a shared desk is signed out after this long unused
# (each request starts the time again).
SESSION_LIFETIME = timedelta(hours=12)


def page_blueprint(name: str, import_name: str, url_prefix: str | None = None) -> Blueprint:
    """A blueprint for pages: each answer gets the security headers, each error a page of its own."""
    bp = Blueprint(name, import_name, url_prefix=url_prefix)
    bp.after_request(add_page_headers)
    bp.register_error_handler(CSRFError, expired_form)
    for code in (403, 404, 405):
        bp.register_error_handler(code, error_page)
    return bp


def error_page(error: HTTPException) -> ResponseReturnValue:
    messages = {
        403: _("You may not see this page. Ask a supervisor if you need it."),
        404: _("There is no such page."),
        405: _("This page cannot be used that way."),
    }
    status = error.code or 500
    return render_template("pages/error.html", message=messages.get(status, error.name)), status


def expired_form(_error: CSRFError) -> ResponseReturnValue:
    # A form without its token, or from a session since ended: say what to do, not "CSRF".
    message = _("This form has expired. Go back, reload the page and try again.")
    return render_template("pages/error.html", message=message), 400


def init_app(app: Flask, twilio_blueprints: Iterable[Blueprint]) -> None:
    """Configure pages' sessions, CSRF and language; `twilio_blueprints` are exempt from CSRF."""
    production = app.config["IVR"].env == "production"
    app.config.update(
        SESSION_COOKIE_SECURE=production,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # __Host-: the browser takes it only over HTTPS, for this host alone, on every path.
        SESSION_COOKIE_NAME="__Host-ivr_session" if production else "ivr_session",
        PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME,
        # A token for the life of the session, not an hour: an operator's console stays open all shift.
        WTF_CSRF_TIME_LIMIT=None,
    )
    csrf.init_app(app)
    for blueprint in twilio_blueprints:
        csrf.exempt(blueprint)  # signed by Twilio (ivr/voice/signature.py); a browser never posts there
    language.init_app(app)
    app.jinja_env.globals["screen_languages"] = language.SCREEN_LANGUAGES
    if "static" in app.view_functions:
        # The app's own scripts and styles, with the headers that matter for files.
        app.view_functions["static"] = _static_file


def _static_file(filename: str) -> Response:
    return add_file_headers(current_app.send_static_file(filename))

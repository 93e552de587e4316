"""dril-ivr: the telephone line behind the ICE ERO Detention Reporting and Information Line."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from dotenv import dotenv_values
from flask import Flask, Request, Response
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

from ivr import logs
from ivr.config import PROJECT_ROOT, load_settings

DOTENV = PROJECT_ROOT / ".env"


def create_app(config: Mapping[str, str] | None = None, dotenv_path: Path | None = DOTENV) -> Flask:
    """Build the app; `config` holds settings by their environment names, over the environment.

    A `.env` file fills in what neither gives, except for a testing app (IVR_ENV=testing in `config`
    or the environment): a developer's `.env` must not point the tests at their database or keys.
    """
    environ = dict(os.environ) | dict(config or {})
    if dotenv_path is not None and environ.get("IVR_ENV") != "testing":
        # Read, not loaded into os.environ: the app's settings come from it, the process is left alone.
        from_file = {name: value for name, value in dotenv_values(dotenv_path).items() if value is not None}
        environ = from_file | environ
    app = Flask(__name__, instance_path=str(PROJECT_ROOT / "instance"))
    app.session_interface = CookieSessionsWhenSent()
    settings = load_settings(environ, instance_path=PROJECT_ROOT / "instance")
    app.config.from_mapping(settings.as_flask_config())
    logs.configure(settings)
    if settings.proxy_hops:
        # The client's address, scheme and host as the proxies before the line saw them, for pages
        # and logs. The signature check never reads them: it uses IVR_PUBLIC_URL.
        hops = settings.proxy_hops
        # Flask's documented way to wrap the app in WSGI middleware; mypy allows no method assignment.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    from ivr import cli, db, health, journal, line, metrics, voice
    from ivr.voice import audio_files

    db.init_app(app)
    journal.init_app(app)
    line.init_app(app)
    from ivr import desk

    desk.init_app(app)
    app.register_blueprint(voice.bp)
    app.register_blueprint(audio_files.bp)
    # The pages (sign-in, console, dashboard, admin): their sessions, CSRF (Twilio's blueprints
    # exempt: they are signed) and screens' language; each page blueprint adds its own headers.
    from ivr import admin, auth, console, dashboard, pages

    pages.init_app(app, twilio_blueprints=(voice.bp, audio_files.bp))
    auth.init_app(app)
    for page_blueprint in (auth.bp, console.bp, dashboard.bp, admin.bp):
        app.register_blueprint(page_blueprint)
    cli.init_app(app)
    # Going live: /healthz (the database and its schema), /metrics (the monitoring network only).
    health.init_app(app)
    metrics.init_app(app)

    @app.get("/health", endpoint="health")
    def alive() -> Response:
        """The process answers (liveness); /healthz says whether the line can work (readiness)."""
        return Response("ok\n", mimetype="text/plain")

    return app


class CookieSessionsWhenSent(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, but a request without a cookie gets an empty one for free.

    Flask opens a session for every request, building its signer first; Twilio's webhooks never
    send a cookie, and that signer cost ~5 % of a webhook's CPU (tests/bench/README.md).
    """

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and "HTTP_COOKIE" not in request.environ:
            return self.session_class()
        return super().open_session(app, request)

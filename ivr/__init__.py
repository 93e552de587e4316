"""dril-ivr: the telephone line behind the ICE ERO Detention Reporting and Information Line."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from dotenv import load_dotenv
from flask import Flask, Request, Response
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

from ivr.config import PROJECT_ROOT, load_settings


def create_app(config: Mapping[str, str] | None = None) -> Flask:
    """Build the app; `config` holds settings by their environment names, over the environment."""
    load_dotenv(PROJECT_ROOT / ".env", override=False)
    environ = dict(os.environ) | dict(config or {})
    app = Flask(__name__, instance_path=str(PROJECT_ROOT / "instance"))
    app.session_interface = CookieSessionsWhenSent()
    settings = load_settings(environ, instance_path=PROJECT_ROOT / "instance")
    app.config.from_mapping(settings.as_flask_config())
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)

    from ivr import cli, db, line, voice
    from ivr.voice import audio_files
    from ivr.voice.signature import WebhookRequest

    app.request_class = WebhookRequest

    db.init_app(app)
    line.init_app(app)
    app.register_blueprint(voice.bp)
    app.register_blueprint(audio_files.bp)
    cli.init_app(app)

    @app.get("/health")
    def health() -> Response:
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

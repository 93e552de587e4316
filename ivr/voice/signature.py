"""Refuse any voice request Twilio did not sign: X-Twilio-Signature over the public URL it called."""

from __future__ import annotations

import logging

from flask import Response, abort, current_app, request
from twilio.request_validator import RequestValidator

from ivr.voice import bp

log = logging.getLogger(__name__)


def called_url() -> str:
    """The URL Twilio called: the configured public base (never the Host header) + path + query."""
    query = request.query_string.decode()
    return current_app.config["IVR"].public_url + request.path + (f"?{query}" if query else "")


@bp.before_request
def require_twilio_signature() -> Response | None:
    validator = RequestValidator(current_app.config["IVR"].twilio_auth_token)
    signature = request.headers.get("X-Twilio-Signature", "")
    if signature and validator.validate(called_url(), request.form.to_dict(), signature):
        return None
    # Log where and why, never the body: it carries phone numbers and what callers said.
    log.warning(
        "refused unsigned voice request: %s %s (%s)",
        request.method,
        request.path,
        "bad signature" if signature else "no signature",
    )
    abort(403)

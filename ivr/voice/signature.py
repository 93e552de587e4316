"""Refuse any voice request Twilio did not sign: X-Twilio-Signature over the public URL it called."""

from __future__ import annotations

import hmac
import logging

from flask import Request, Response, abort, current_app, request
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import ImmutableMultiDict

from ivr.voice import bp

log = logging.getLogger(__name__)


class WebhookForm(ImmutableMultiDict[str, str]):
    """A request's form and query, answering the signature check's first question.

    The library's validator asks each field's values with `getall` (aiohttp's name) and falls back
    to werkzeug's `getlist` on AttributeError: an exception per field, 18 µs of a Twilio request's
    29 fields, more than the HMAC itself.
    """

    def getall(self, key: str) -> list[str]:
        return self.getlist(key)


class WebhookRequest(Request):
    """The line's requests: forms for the signature check, and limits set once.

    Twilio's webhooks are a few kilobytes; nothing the line takes is larger than 256 KB. Set here
    rather than in the config, form parsing does not look the limits up on the app four times.
    """

    parameter_storage_class = WebhookForm
    _max_content_length = 256 * 1024
    _max_form_memory_size = 64 * 1024
    _max_form_parts = 100


def called_url() -> str:
    """The URL Twilio called: the configured public base (never the Host header) + path + query."""
    query = request.query_string.decode()
    return current_app.config["IVR"].public_url + request.path + (f"?{query}" if query else "")


@bp.before_request
def require_twilio_signature() -> Response | None:
    validator = RequestValidator(current_app.config["IVR"].twilio_auth_token)
    signature = request.headers.get("X-Twilio-Signature", "")
    # Twilio signs the URL as configured: one HMAC settles almost every request. The library's
    # validate() also tries the URL with and without an explicit port, so it decides the rest.
    if signature and (
        hmac.compare_digest(validator.compute_signature(called_url(), request.form), signature)
        or validator.validate(called_url(), request.form, signature)
    ):
        return None
    # Log where and why, never the body: it carries phone numbers and what callers said.
    log.warning(
        "refused unsigned voice request: %s %s (%s)",
        request.method,
        request.path,
        "bad signature" if signature else "no signature",
    )
    abort(403)

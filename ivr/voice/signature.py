"""Refuse any voice request Twilio did not sign: X-Twilio-Signature over the public URL it called."""

from __future__ import annotations

import hmac
import logging
from typing import cast

from flask import Request, Response, abort, current_app, request
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.local import LocalProxy

from ivr.config import Settings
from ivr.logs import field
from ivr.voice import bp

log = logging.getLogger(__name__)

# Twilio's webhooks are a few kilobytes; nothing the line takes is larger than 256 KB. These are
# the voice blueprint's limits alone: other pages keep Flask's (MAX_CONTENT_LENGTH and the rest).
MAX_CONTENT_LENGTH = 256 * 1024
MAX_FORM_MEMORY_SIZE = 64 * 1024
MAX_FORM_PARTS = 100
# Twilio's voice webhooks carry about 30 fields, a recording's callback fewer. werkzeug applies
# MAX_FORM_PARTS to multipart forms only: an urlencoded body of 40,000 tiny fields cost 300 ms of
# CPU to parse and check before it was refused. Counted on the raw body, before anything is parsed.
MAX_FORM_FIELDS = 100


class WebhookForm(ImmutableMultiDict[str, str]):
    """A request's form, answering the signature check's first question.

    The library's validator asks each field's values with `getall` (aiohttp's name) and falls back
    to werkzeug's `getlist` on AttributeError: an exception per field, 18 µs of a Twilio request's
    29 fields, more than the HMAC itself.
    """

    def getall(self, key: str) -> list[str]:
        return self.getlist(key)


@bp.before_request
def limit_webhook_request() -> None:
    """Set a webhook's size limits and form class on the request itself, before its form is read.

    Registered before the signature check, which reads the form: werkzeug parses it with what is
    set when it is first read. Set on the request (Flask 3.1), the limits are not looked up in the
    app's config, four times per form read, as they would be otherwise.
    """
    # The request itself, not the proxy: each attribute set through the proxy looks the request up
    # again (2.8 µs for the four, 0.6 µs this way). Flask types the proxy as the request it stands for.
    webhook: Request = cast("LocalProxy[Request]", request)._get_current_object()
    webhook.max_content_length = MAX_CONTENT_LENGTH
    webhook.max_form_memory_size = MAX_FORM_MEMORY_SIZE
    webhook.max_form_parts = MAX_FORM_PARTS
    webhook.parameter_storage_class = WebhookForm
    if webhook.mimetype == "application/x-www-form-urlencoded":
        # Read once and kept: the form is parsed from this copy afterwards (werkzeug's cache).
        body = webhook.get_data(cache=True)
        if body.count(b"&") >= MAX_FORM_FIELDS:
            log.warning(
                "refused voice request with too many fields: %s %s", webhook.method, field(webhook.path)
            )
            abort(413)


def called_url() -> str:
    """The URL Twilio called: the configured public base (never the Host header) + path + query."""
    settings: Settings = current_app.config["IVR"]
    query = request.query_string.decode()
    return settings.public_url + request.path + (f"?{query}" if query else "")


@bp.before_request
def require_twilio_signature() -> Response | None:
    settings: Settings = current_app.config["IVR"]
    validator = RequestValidator(settings.twilio_auth_token)
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
        field(request.path),
        "bad signature" if signature else "no signature",
    )
    abort(403)

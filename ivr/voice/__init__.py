"""Twilio's voice webhooks: every request signed, every answer TwiML, never a 500 to a caller."""

from flask import Blueprint

bp = Blueprint("voice", __name__, url_prefix="/voice")

from ivr.voice import signature, webhooks  # noqa: E402,F401  (routes register on bp)

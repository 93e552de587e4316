"""Twilio's voice webhooks: every request signed, every answer TwiML, never a 500 to a caller."""

from flask import Blueprint

bp = Blueprint("voice", __name__, url_prefix="/voice")

# The routes register on bp as their modules are imported; the signature check first, so that it
# runs before anything else a request does, then the check of the signed request's Twilio ids.
from ivr.voice import signature  # noqa: E402,F401,I001
from ivr.voice import sids  # noqa: E402,F401,I001
from ivr.voice import callbacks, connect, hold, recovery, turns, voicemail  # noqa: E402,F401

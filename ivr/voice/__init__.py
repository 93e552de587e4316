"""Twilio's voice webhooks: every request signed, every answer TwiML, never a 500 to a caller."""

from flask import Blueprint, Response, current_app, g

from ivr import journal

bp = Blueprint("voice", __name__, url_prefix="/voice")


@bp.after_request
def replay_journal_when_back(response: Response) -> Response:
    """A webhook that reached the database: callbacks journalled while it was away can go in now."""
    if not journal.journal_of(current_app).due_for_check():  # the cheap test, first
        return response
    connection = g.get("db_connection")
    if connection is None or connection.invalidated or journal.replaying():
        return response
    return journal.replay_soon(current_app._get_current_object(), response)  # type: ignore[attr-defined]


# The routes register on bp as their modules are imported; the signature check first, so that it
# runs before anything else a request does, then the check of the signed request's Twilio ids.
from ivr.voice import signature  # noqa: E402,F401,I001
from ivr.voice import sids  # noqa: E402,F401,I001
from ivr.voice import callbacks, connect, hold, recovery, turns, voicemail  # noqa: E402,F401

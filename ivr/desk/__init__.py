"""The operators' side of the line: who takes which caller, ringing them, the room they talk in.

`assign` decides (pure SQL in locked transactions), `connections` keeps each connection's life,
`twilio_rest` tells Twilio, `desk.Desk` ties them to events, `whisper` says who is calling, and
`tokens` gives a browser its phone. The web app holds one Desk (`current_desk`); webhooks hand it
their events after their answer is sent (`after_response`), so no caller waits on Twilio's API.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from datetime import datetime

from flask import Flask, Response, current_app

from ivr.clock import line_now
from ivr.desk.desk import Desk, DeskError
from ivr.desk.whisper import Whisper, whisper_for

__all__ = [
    "Desk",
    "DeskError",
    "after_response",
    "caller_gone",
    "current_desk",
    "current_whisper",
    "init_app",
]

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """Give the app its desk, and read the whisper's sentences now: a broken file stops start-up."""
    settings = app.config["IVR"]
    app.extensions["ivr.desk"] = Desk(
        settings, app.extensions["ivr.engine"], app.extensions["ivr.webhook_engine"]
    )
    whisper_for(settings.prompt_catalog_path)
    # The library logs each request's URL and headers at INFO: the line's own log lines suffice.
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)


def current_desk() -> Desk:
    desk: Desk = current_app.extensions["ivr.desk"]
    return desk


def current_whisper() -> Whisper:
    return whisper_for(current_app.config["IVR"].prompt_catalog_path)


def after_response(response: Response, work: Callable[[Desk, datetime], object]) -> Response:
    """Do the desk's `work` once the answer has been sent (the WSGI response closed), not before it.

    Twilio waits for a webhook's answer; a decision and a REST request to Twilio (up to
    IVR_TWILIO_TIMEOUT) would make it wait longer. The worker does them just after, with the
    line's clock read then. Whatever fails is logged: the answer has gone already.
    """
    desk = current_desk()

    def run() -> None:
        try:
            work(desk, line_now(desk.settings))
        except Exception as error:  # noqa: BLE001 - nobody is left to answer; the log must say it
            # Where, not what: an error's message may carry a phone number (Twilio quotes the To).
            log.error(
                "the desk's work after a webhook failed with %s\n%s",
                type(error).__name__,
                "".join(traceback.format_tb(error.__traceback__)),
            )

    response.call_on_close(run)
    return response


def caller_gone(call_id: int) -> Callable[[Desk, datetime], object]:
    """The desk's work when a caller who waited for an operator hangs up (`Desk.caller_gone`)."""
    return lambda desk, now: desk.caller_gone(call_id, now)

"""What no webhook announces on the operators' side: wrap-ups that ran out free their operators for
waiting callers, and offers whose callbacks were lost are given up (ivr.desk.Desk.review)."""

from __future__ import annotations

from ivr.desk.desk import Desk
from ivr.jobs.context import Context
from ivr.jobs.outcome import Done
from ivr.models import RunResult


def run(context: Context) -> Done:
    desk: Desk = context.app.extensions["ivr.desk"]
    if context.twilio_http is not None:
        desk.use_http_client(context.twilio_http)
    offers = desk.review(context.now)
    return Done(RunResult.OK, f"{len(offers)} operator(s) offered a waiting caller")

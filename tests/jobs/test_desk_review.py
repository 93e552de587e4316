"""The scheduler reviews the desk: an operator whose wrap-up ran out is offered the waiting caller,
though no webhook or console page asked (nobody had the console open)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask import Flask

from ivr.devtools.twilio_api import FakeTwilioApi, InProcessApiClient
from ivr.jobs import desk_review
from ivr.jobs.context import Context
from ivr.models import Operator, OperatorState
from tests.desk.conftest import NOW, NOW_TEXT, add_operator, add_waiting


def test_an_operator_whose_wrap_up_ran_out_is_offered_the_waiting_caller_by_the_job(
    jobs_app: Callable[..., Flask],
) -> None:
    app = jobs_app(NOW_TEXT)
    operator = add_operator(app, "ana", state=OperatorState.WRAPPING_UP)
    with app.extensions["ivr.db"]() as session:
        state = session.get(Operator, operator)
        assert state is not None
        state.wrap_up_until = NOW - timedelta(seconds=1)
        session.commit()
    add_waiting(app, "CA-waiting")
    api = FakeTwilioApi()

    done = desk_review.run(Context.of(app, InProcessApiClient(api)))

    assert done.summary == "1 operator(s) offered a waiting caller"
    [ring] = api.requests_to(r"^Calls\.json$")
    assert ring.data["To"] == f"client:operator-{operator}"
    with app.extensions["ivr.db"]() as session:
        state = session.get(Operator, operator)
        assert state is not None and state.state == OperatorState.ON_CALL

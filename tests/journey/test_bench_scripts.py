"""The benchmark's scripted callers (tests/bench/journeys.py) still walk the line's menus to the end."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from tests.bench.journeys import CLOSED_SCRIPTS, OPEN_SCRIPTS, Answer, Journey, QueueSeats, Script
from tests.conftest import PUBLIC_URL, Caller, sign

OPEN, CLOSED = "2026-11-30T10:00:00-05:00", "2026-11-28T10:00:00-05:00"


@pytest.mark.parametrize(
    ("script", "moment"),
    [(script, OPEN) for script in OPEN_SCRIPTS] + [(script, CLOSED) for script in CLOSED_SCRIPTS],
    ids=[script.name for script in OPEN_SCRIPTS + CLOSED_SCRIPTS],
)
def test_each_bench_script_reaches_the_queue_or_a_message(
    caller_at: Callable[..., Caller], script: Script, moment: str
) -> None:
    client = caller_at(moment).client
    journey = Journey(script, PUBLIC_URL, QueueSeats(), random.Random(1), line_open=moment == OPEN)
    request, kinds = journey.first(), []
    while request is not None:
        kinds.append(request.kind)
        path = request.url.removeprefix(PUBLIC_URL)
        headers = {"X-Twilio-Signature": sign(request.url, request.form)}
        response = client.post(path, data=request.form, headers=headers)
        request = journey.answer(Answer(response.status_code, response.data.decode()))
    if moment == OPEN and not script.zip_code:  # the case review caller takes the office's number and goes
        assert "queue_result" in kinds
    assert ("voicemail_done" in kinds) is (moment == CLOSED or script.queue_result == "leave")

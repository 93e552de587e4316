"""/metrics: calls, waits, queue and webhooks in Prometheus's format, for the monitoring network only."""

from __future__ import annotations

from typing import Any

from flask import Flask
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import Caller

# The testing line's pinned clock (tests.conftest); app_at empties and closes each app it made.
MONDAY_MORNING = "2026-11-30T10:00:00-05:00"


def scrape(app: Flask, address: str = "127.0.0.1") -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = app.test_client().get("/metrics", environ_base={"REMOTE_ADDR": address})
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.data.decode())
        for sample in family.samples
    }


def test_a_caller_in_the_queue_shows_in_the_metrics(app: Flask) -> None:
    before = scrape(app)
    caller = Caller(app.test_client())
    caller.call()
    while caller.twiml is not None and caller.twiml.find("Enqueue") is None:
        caller.press("1")  # English, then the first choice at each menu: into the queue
    after = scrape(app)

    incoming = ("ivr_webhook_seconds_count", (("route", "/voice/incoming"),))
    assert after[incoming] == before.get(incoming, 0) + 1
    assert after[("ivr_calls_total", ())] == 1
    assert after[("ivr_calls_in_progress", ())] == 1
    assert after[("ivr_queue_length", ())] == 1
    assert after[("ivr_database_up", ())] == 1
    assert ("ivr_voicemails_unopened", ()) in after


def test_a_callers_wait_is_counted_when_they_leave_the_queue(app: Flask) -> None:
    key = ("ivr_queue_wait_seconds_count", (("result", "hangup"),))
    before = scrape(app).get(key, 0)
    caller = Caller(app.test_client())
    caller.call()
    while caller.twiml is not None and caller.twiml.find("Enqueue") is None:
        caller.press("1")
    caller.leave_queue("hangup", queue_time=75)
    assert scrape(app)[key] == before + 1


def test_an_unsigned_webhook_is_counted_as_refused(app: Flask) -> None:
    refused = ("ivr_webhook_refusals_total", (("route", "/voice/status"), ("status", "403")))
    before = scrape(app).get(refused, 0)
    assert app.test_client().post("/voice/status", data={"CallSid": "CA" + "1" * 32}).status_code == 403
    assert scrape(app)[refused] == before + 1


def test_metrics_are_not_found_outside_the_monitoring_network(app_at: Any) -> None:
    app = app_at(MONDAY_MORNING)
    assert app.test_client().get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 404

    monitored = app_at(MONDAY_MORNING, IVR_METRICS_NETWORKS="10.20.0.0/24")
    assert (
        monitored.test_client().get("/metrics", environ_base={"REMOTE_ADDR": "10.20.0.7"}).status_code == 200
    )
    assert monitored.test_client().get("/metrics").status_code == 404  # loopback no longer listed

"""Prometheus metrics at /metrics, for the monitoring network only (IVR_METRICS_NETWORKS).

Two kinds. Counted as requests pass (each webhook's latency and status, callers' waits, errors
logged): cheap on the hot path, and under gunicorn kept in PROMETHEUS_MULTIPROC_DIR so that every
worker's counts add up (gunicorn.conf.py sets it). Read from the database when scraped (calls in
progress, the queue's length and longest wait, voicemails not yet opened): no worker keeps them.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime

from flask import Flask, Response, abort, current_app, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from ivr.config import Settings
from ivr.logs import form_if_parsed
from ivr.models import Call, QueueEntry, Voicemail, VoicemailStatus

log = logging.getLogger(__name__)

# Twilio gives up on a webhook at 15 s; most answers take a few milliseconds.
WEBHOOK_SECONDS = Histogram(
    "ivr_webhook_seconds",
    "Time to answer one of Twilio's webhooks, by route.",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15),
    registry=None,
)
WEBHOOK_RESPONSES = Counter(
    "ivr_webhook_responses",
    "Twilio's webhooks answered, by route and HTTP status (403: unsigned, 413: too large).",
    ["route", "status"],
    registry=None,
)
QUEUE_WAIT_SECONDS = Histogram(
    "ivr_queue_wait_seconds",
    "How long callers waited for an operator, as Twilio reports it when they leave the queue.",
    ["result"],
    buckets=(10, 30, 60, 120, 300, 600, 900, 1800),
    registry=None,
)
ERRORS_LOGGED = Counter(
    "ivr_errors_logged",
    "Errors the line logged (a webhook answered with the apology, a failed callback or desk), by logger.",
    ["logger"],
    registry=None,
)
COUNTED = (WEBHOOK_SECONDS, WEBHOOK_RESPONSES, QUEUE_WAIT_SECONDS, ERRORS_LOGGED)
QUEUE_RESULTS = frozenset({"bridged", "hangup", "leave", "redirected", "queue-full", "error", "system-error"})


class ErrorCounter(logging.Handler):
    """Count each error logged: the line logs every failure a caller or an operator might notice."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)

    def emit(self, record: logging.LogRecord) -> None:
        ERRORS_LOGGED.labels(record.name).inc()


class LineCollector(Collector):
    """The line's state, read from the database at each scrape: a few indexed counts."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("ivr_database_up", "1 if the database answered this scrape's questions.")
        try:
            with self.engine.connect() as connection:
                calls = connection.scalar(select(func.count()).select_from(Call)) or 0
                in_progress = connection.scalar(
                    select(func.count()).select_from(Call).where(Call.ended_at.is_(None))
                )
                waiting, oldest = connection.execute(
                    select(func.count(), func.min(QueueEntry.enqueued_at)).where(
                        QueueEntry.queue_name == self.settings.queue_name, QueueEntry.left_at.is_(None)
                    )
                ).one()
                unopened = connection.scalar(
                    select(func.count()).select_from(Voicemail).where(Voicemail.status == VoicemailStatus.NEW)
                )
        except SQLAlchemyError as error:
            log.warning("metrics could not read the database (%s)", type(error).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield CounterMetricFamily("ivr_calls", "Calls the line has recorded.", value=calls)
        yield GaugeMetricFamily("ivr_calls_in_progress", "Calls not yet ended.", value=in_progress or 0)
        yield GaugeMetricFamily("ivr_queue_length", "Callers waiting for an operator.", value=waiting)
        longest = 0.0
        if oldest is not None:
            # SQLite hands back naive datetimes: they are stored in UTC.
            oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)
            longest = max(0.0, (datetime.now(UTC) - oldest).total_seconds())
        yield GaugeMetricFamily(
            "ivr_queue_longest_wait_seconds", "How long the first caller in line has waited.", value=longest
        )
        yield GaugeMetricFamily(
            "ivr_voicemails_unopened", "Voicemails nobody has opened.", value=unopened or 0
        )


def _start_timer() -> None:
    g.metrics_started = time.perf_counter()


def _count_webhook(response: Response) -> Response:
    if request.blueprint != "voice":
        return response
    rule = request.url_rule
    route = rule.rule if rule is not None else "unknown"  # unknown paths: one label, not one per path
    WEBHOOK_SECONDS.labels(route).observe(time.perf_counter() - g.get("metrics_started", time.perf_counter()))
    WEBHOOK_RESPONSES.labels(route, str(response.status_code)).inc()
    if route == "/voice/queue/result":
        form = form_if_parsed()
        result, seconds = form.get("QueueResult", ""), form.get("QueueTime", "")
        if result in QUEUE_RESULTS and seconds.isdigit():
            QUEUE_WAIT_SECONDS.labels(result).observe(int(seconds))
    return response


def monitoring_network(address: str | None, settings: Settings) -> bool:
    """Is the client (after IVR_PROXY_HOPS) on one of IVR_METRICS_NETWORKS?"""
    try:
        client = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(client in network for network in settings.metrics_networks)


def metrics() -> Response:
    settings: Settings = current_app.config["IVR"]
    if not monitoring_network(request.remote_addr, settings):
        abort(404)  # not 403: nothing says to the rest of the internet that there is something here
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Every worker's counts, from their files. The library is typed here but not this constructor.
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        for counted in COUNTED:
            registry.register(counted)
    registry.register(LineCollector(current_app.extensions["ivr.webhook_engine"], settings))
    response = Response(generate_latest(registry), mimetype="text/plain; version=0.0.4")
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.before_request(_start_timer)
    app.after_request(_count_webhook)
    app.add_url_rule("/metrics", "metrics", metrics)
    root = logging.getLogger()
    if not any(isinstance(handler, ErrorCounter) for handler in root.handlers):
        root.addHandler(ErrorCounter())

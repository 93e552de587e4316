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
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from flask import Flask, Request, Response, abort, current_app, request
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.local import LocalProxy

from ivr.config import Settings
from ivr.models import Call, QueueEntry, Voicemail, VoicemailStatus

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger(__name__)

# Twilio gives up on a webhook at 15 s; most answers take a few milliseconds.
WEBHOOK_SECONDS = Histogram(
    "ivr_webhook_seconds",
    "Time to answer one of Twilio's webhooks, by route.",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15),
    registry=None,
)
WEBHOOK_REFUSALS = Counter(
    "ivr_webhook_refusals",
    "Twilio's webhooks answered with other than 200, by route and status (403: unsigned, 413: too large).",
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
COUNTED = (WEBHOOK_SECONDS, WEBHOOK_REFUSALS, QUEUE_WAIT_SECONDS, ERRORS_LOGGED)
# Twilio's QueueResult values, each a label: anything else a request claims is not counted.
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


ARRIVED = "ivr.arrived"  # the WSGI environ's key for when a request reached the app
QUEUE_RESULT = "/voice/queue/result"
_latency_by_route: dict[str, Any] = {}  # each route's histogram, looked up once: not per request


class Arrival:
    """WSGI middleware noting when each request arrived: cheaper than a Flask hook and its proxies."""

    def __init__(self, wsgi_app: WSGIApplication) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        environ[ARRIVED] = time.perf_counter()
        return self.wsgi_app(environ, start_response)


def _count_webhook(response: Response) -> Response:
    """A webhook's latency; its status if not 200; a caller's wait when they leave the queue.

    On every request: measured at 2-5 µs for a webhook (one histogram; in gunicorn's multiprocess
    mode each value written is a locked mmap write), against ~1 ms of CPU for the webhook itself.
    """
    webhook: Request = cast("LocalProxy[Request]", request)._get_current_object()
    rule = webhook.url_rule
    if rule is None or not rule.endpoint.startswith("voice."):
        return response
    route = rule.rule
    latency = _latency_by_route.get(route)
    if latency is None:
        latency = _latency_by_route[route] = WEBHOOK_SECONDS.labels(route)
    latency.observe(time.perf_counter() - webhook.environ.get(ARRIVED, time.perf_counter()))
    if response.status_code != 200:
        WEBHOOK_REFUSALS.labels(route, str(response.status_code)).inc()
    if route == QUEUE_RESULT and response.status_code == 200:
        form = webhook.form  # parsed already: the signature check and the webhook read it
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
    # Flask's documented way to wrap the app in WSGI middleware; mypy allows no method assignment.
    app.wsgi_app = Arrival(app.wsgi_app)  # type: ignore[method-assign]
    app.after_request(_count_webhook)
    app.add_url_rule("/metrics", "metrics", metrics)
    root = logging.getLogger()
    if not any(isinstance(handler, ErrorCounter) for handler in root.handlers):
        root.addHandler(ErrorCounter())

"""The line's own CPU per request, without HTTP or other processes: journeys recorded, then replayed.

`make bench` measures the line as production runs it, on a machine whose speed drifts 10-20 % from
one run to the next. To compare two versions of the code, this measures only what the app does:
the benchmark's journeys are walked once through Flask's test client (to learn each request, with
the step numbers the line hands out), then replayed on a fresh database straight into the WSGI app,
timing the process's CPU. It drifts too (about 10 % here, run to run): run each version a few
times, in turns, and compare the lowest figures.

    .venv/bin/python -m tests.bench.replay                       # SQLite, open line
    .venv/bin/python -m tests.bench.replay --closed --calls 500
    .venv/bin/python -m tests.bench.replay --database postgresql+psycopg://postgres@127.0.0.1:54329/ivr_bench
    .venv/bin/python -m tests.bench.replay --profile             # and cProfile's 40 costliest functions
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from flask import Flask
from sqlalchemy import text
from twilio.request_validator import RequestValidator
from werkzeug.test import EnvironBuilder

from ivr import create_app
from ivr.db import dispose, upgrade
from tests.bench.journeys import CLOSED_SCRIPTS, OPEN_SCRIPTS, Answer, Journey, QueueSeats, pick

BASE_URL = "http://127.0.0.1:9"
AUTH_TOKEN = "0" * 32
OPEN_TIME, CLOSED_TIME = "2026-11-30T10:00:00-05:00", "2026-11-28T10:00:00-05:00"
Recorded = tuple[str, str, dict[str, str], str, str]  # path, query, form, signature, kind


def fresh_app(database_url: str, fixed_time: str, data_key: str) -> Flask:
    """The line on an empty, migrated database."""
    if database_url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(database_url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    app = create_app(
        {
            "IVR_ENV": "testing",
            "SECRET_KEY": "s" * 32,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
            "IVR_DATA_KEY": data_key,
            "IVR_PUBLIC_URL": BASE_URL,
            "DATABASE_URL": database_url,
            "IVR_FIXED_TIME": fixed_time,
        }
    )
    if not database_url.startswith("sqlite"):
        with app.extensions["ivr.engine"].begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(app)
    return app


def record(app: Flask, calls: int, line_open: bool) -> list[Recorded]:
    """Walk the benchmark's journeys through the test client; keep every request as it was signed."""
    client, validator = app.test_client(), RequestValidator(AUTH_TOKEN)
    rng, seats, requests = random.Random(4024), QueueSeats(), []
    for _ in range(calls):
        journey = Journey(
            pick(OPEN_SCRIPTS if line_open else CLOSED_SCRIPTS, rng),
            BASE_URL,
            seats,
            rng,
            line_open=line_open,
        )
        request = journey.first()
        while request is not None:
            url = urlsplit(request.url)
            signature = validator.compute_signature(request.url, request.form)
            requests.append((url.path, url.query, request.form, signature, request.kind))
            answer = client.post(
                f"{url.path}?{url.query}" if url.query else url.path,
                data=request.form,
                headers={"X-Twilio-Signature": signature},
            )
            request = journey.answer(Answer(answer.status_code, answer.get_data(as_text=True)))
    return requests


def replay(
    app: Flask, requests: list[Recorded], profile: cProfile.Profile | None
) -> tuple[float, dict[str, float], Counter[str]]:
    """Post each recorded request to the WSGI app; the CPU seconds in all, and per request kind."""
    environs = [
        EnvironBuilder(
            path=path, query_string=query, method="POST", data=form, headers={"X-Twilio-Signature": signature}
        ).get_environ()
        for path, query, form, signature, _ in requests
    ]

    def start_response(status: str, _headers: Any, _exc_info: Any = None) -> None:
        if not status.startswith("200"):
            raise SystemExit(f"the line answered {status} on replay")

    spent: dict[str, float] = {}
    counted: Counter[str] = Counter()
    began = time.process_time()
    if profile is not None:
        profile.enable()
    for environ, (*_, kind) in zip(environs, requests, strict=True):
        before = time.process_time()
        answer = app.wsgi_app(environ, start_response)
        b"".join(answer)
        # Closed as a server closes it once sent: the work a webhook leaves for after its answer
        # (ivr.desk.after_response) runs then, in the same worker, and is counted with the request.
        getattr(answer, "close", lambda: None)()
        spent[kind] = spent.get(kind, 0.0) + time.process_time() - before
        counted[kind] += 1
    if profile is not None:
        profile.disable()
    return time.process_time() - began, spent, counted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database", help="SQLAlchemy URL of a database to empty and use (default: a temporary SQLite file)"
    )
    parser.add_argument("--calls", type=int, default=300, help="journeys to record and replay (300)")
    parser.add_argument("--closed", action="store_true", help="with the line closed: calls end in voicemail")
    parser.add_argument("--profile", action="store_true", help="also print cProfile's costliest functions")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        database = options.database or f"sqlite:///{scratch}/replay.sqlite3"
        clock, data_key = (CLOSED_TIME if options.closed else OPEN_TIME), Fernet.generate_key().decode()
        recording = fresh_app(database, clock, data_key)
        requests = record(recording, options.calls, line_open=not options.closed)
        dispose(recording)
        app = fresh_app(database, clock, data_key)
        profile = cProfile.Profile() if options.profile else None
        total, spent, counted = replay(app, requests, profile)
        dispose(app)
    print(f"{len(requests):,} requests replayed: {1000 * total / len(requests):.3f} ms of CPU per request")
    print("  " + ", ".join(f"{kind} {1000 * spent[kind] / counted[kind]:.2f}" for kind in sorted(spent)))
    if profile is not None:
        pstats.Stats(profile).sort_stats("tottime").print_stats(40)


if __name__ == "__main__":
    os.environ.pop("DATABASE_URL", None)
    main()

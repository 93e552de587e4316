"""How long an operator who goes available waits for the line to ring them with the right caller.

From `Desk.operator_available` (the console's click) to the REST request that rings the operator for
the chosen caller (`calls.create`, through the `twilio` library, answered in-process as Twilio's API
answers), with 200 callers waiting and 30 operators, two processes deciding at once as two web
workers do. Each trial: an operator goes available, is offered the first caller in line they can
take, and the caller is taken (out of line, a new caller joins at the back, which runs the caller's
decision too), so the line stays 200 long. Run by hand:

    .venv/bin/python -m tests.bench.routing                       # SQLite, then PostgreSQL (.ci/postgres)
    .venv/bin/python -m tests.bench.routing --database sqlite     # one of them
    .venv/bin/python -m tests.bench.routing --trials 1000 --waiting 200 --operators 30
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import resource
import statistics
import subprocess
import tempfile
import time
from datetime import datetime, timedelta
from typing import Any

from cryptography.fernet import Fernet
from flask import Flask
from sqlalchemy import create_engine, select, text, update

from ivr import create_app
from ivr.db import dispose, upgrade
from ivr.desk import Desk, connections
from ivr.devtools.twilio_api import FakeTwilioApi, InProcessApiClient
from ivr.models import Call, Operator, OperatorState, QueueEntry, Role, User
from tests.bench.run import DISTURBED_CORES
from tests.bench.servers import machine_cpu_seconds, postgres_cpu

NOW = datetime.fromisoformat("2026-11-30T10:00:00-05:00")
TARGET_P99_MS = 50.0
WARM_UP = 20  # trials per process not counted: a worker's first REST request imports the library
KINDS = [("es", None)] * 6 + [("en", None)] * 3 + [("pt", "pt")]  # the line's callers, roughly


def make_app(database_url: str, data_key: str) -> Flask:
    return create_app(
        {
            "IVR_ENV": "testing",
            "SECRET_KEY": "s" * 32,
            "TWILIO_AUTH_TOKEN": "0" * 32,
            "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
            "IVR_DATA_KEY": data_key,
            "IVR_PUBLIC_URL": "https://line.example.org",
            "DATABASE_URL": database_url,
            "IVR_FIXED_TIME": NOW.isoformat(),
        }
    )


def add_caller(session: Any, index: int, rng: random.Random) -> None:
    language, interpreter = rng.choice(KINDS)
    moment = NOW - timedelta(seconds=rng.randrange(0, 1200))
    call = Call(call_sid=f"CA-bench-{index}", started_at=moment, state="queued", step=5)
    call.language, call.needs_interpreter, call.priority = language, interpreter, rng.choice([1, 2, 3, 3])
    call.queue_entry = QueueEntry(
        queue_name="operators",
        language=language,
        needs_interpreter=interpreter,
        subject="other",
        caller_type="detained",
        priority=call.priority,
        enqueued_at=moment,
    )
    session.add(call)


def seed(app: Flask, waiting: int, operators: int) -> list[int]:
    """The line with `waiting` callers in line and `operators` offline operators; their ids."""
    rng = random.Random(4024)
    with app.extensions["ivr.db"]() as session:
        for index in range(waiting):
            add_caller(session, index, rng)
        ids = []
        for index in range(operators):
            user = User(
                email=f"operator{index}@bench.invalid",
                name=f"Operator {index}",
                password_hash="-",
                role=Role.OPERATOR,
                languages="en,es",
                takes_interpreter_calls=index % 3 == 0,
                created_at=NOW,
            )
            session.add(user)
            session.flush()
            session.add(Operator(user_id=user.id, state=OperatorState.OFFLINE, since=NOW))
            ids.append(user.id)
        session.commit()
    return ids


class TimedApi(InProcessApiClient):
    """The library's HTTP client, noting when each ring (calls.create) reaches it."""

    def __init__(self, api: FakeTwilioApi) -> None:
        super().__init__(api)
        self.rings: list[tuple[int, int]] = []  # (operator id, time.monotonic_ns())

    def request(self, method: str, uri: str, *args: Any, **kwargs: Any) -> Any:
        arrived = time.monotonic_ns()
        data = kwargs.get("data") or {}
        if uri.endswith("/Calls.json"):
            self.rings.append((int(str(data["To"]).rsplit("-", 1)[1]), arrived))
        return super().request(method, uri, *args, **kwargs)


def worker(
    database_url: str,
    data_key: str,
    mine: list[int],
    trials: int,
    first: int,
    barrier: Any,
    out: Any,
    done: Any,
) -> None:
    """One process: its operators go available in turn; returns when each did and when rings came."""
    app = make_app(database_url, data_key)
    desk: Desk = app.extensions["ivr.desk"]
    timed = TimedApi(FakeTwilioApi())
    desk.use_http_client(timed)
    engine, rng, joined = app.extensions["ivr.engine"], random.Random(first), first
    available: list[tuple[int, int]] = []
    barrier.wait()
    for trial in range(trials):
        operator_id = mine[trial % len(mine)]
        available.append((operator_id, time.monotonic_ns()))
        desk.operator_available(operator_id, NOW)
        taken = None
        for _ in range(200):  # the other process may be the one ringing them: wait for its offer
            taken = connections.open_for_operator(engine, operator_id)
            if taken is not None:
                break
            time.sleep(0.005)
        if taken is None:
            continue
        # The caller is taken; a new one joins at the back; the operator takes a pause.
        connections.end(engine, taken.id, connections.ANSWERED, NOW, OperatorState.OFFLINE)
        with app.extensions["ivr.db"]() as session:
            session.execute(
                update(QueueEntry)
                .where(QueueEntry.call_id == taken.call_id)
                .values(left_at=NOW, result="bridged")
            )
            add_caller(session, joined, rng)
            joined += 1
            session.commit()
        desk.caller_joined(NOW)
    out.put((available, timed.rings))
    done.wait(60)  # the database's backends stay until their CPU time is read
    dispose(app)


def run(database_url: str, waiting: int, operators: int, trials: int) -> tuple[list[float], float]:
    """Milliseconds from each (counted) operator_available to its operator's ring, and the cores
    other programs used meanwhile (besides the two processes and their PostgreSQL backends)."""
    data_key = Fernet.generate_key().decode()
    app = make_app(database_url, data_key)
    if database_url.startswith("postgresql"):
        with app.extensions["ivr.engine"].begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(app)
    ids = seed(app, waiting, operators)
    dispose(app)
    context = multiprocessing.get_context("spawn")
    barrier, out, done = context.Barrier(2), context.Queue(), context.Event()
    processes = [
        context.Process(
            target=worker,
            args=(database_url, data_key, ids[n::2], trials, 10_000 * (n + 1), barrier, out, done),
        )
        for n in range(2)
    ]
    database = database_url.rsplit("/", 1)[1] if database_url.startswith("postgresql") else ""
    started, machine, backends = time.monotonic(), machine_cpu_seconds(), postgres_cpu(database)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    for process in processes:
        process.start()
    results = [out.get(timeout=600) for _ in processes]
    serving = postgres_cpu(database) if database else {}
    done.set()
    for process in processes:
        process.join(timeout=60)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    ours = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
    ours += sum(seconds - backends.get(pid, 0.0) for pid, seconds in serving.items())
    others = (machine_cpu_seconds() - machine - ours) / (time.monotonic() - started)
    rings: dict[int, list[int]] = {}
    for _, rung in results:
        for operator_id, at in rung:
            rings.setdefault(operator_id, []).append(at)
    waits = []
    for available, _ in results:
        for operator_id, at in available[WARM_UP:]:
            later = [ring for ring in rings.get(operator_id, []) if ring >= at]
            if later:
                waits.append((min(later) - at) / 1e6)
    return waits, others


def report(name: str, measured: tuple[list[float], float], trials: int) -> bool:
    waits, others = measured
    if len(waits) < 2:
        print(f"{name}: too few rings measured ({len(waits)})")
        return False
    cuts = statistics.quantiles(waits, n=100, method="inclusive")
    met = cuts[98] < TARGET_P99_MS
    print(
        f"{name:<11} {len(waits):>4} of {2 * (trials - WARM_UP)} rung  p50 {cuts[49]:6.2f} ms  "
        f"p95 {cuts[94]:6.2f} ms  p99 {cuts[98]:6.2f} ms  max {max(waits):6.2f} ms  others {others:4.2f}  "
        f"{'met' if met else 'MISSED'} (p99 < {TARGET_P99_MS:.0f} ms)"
    )
    if others > DISTURBED_CORES:
        print(
            f"  disturbed: other programs used {others:.2f} cores meanwhile; run it again on a quiet machine"
        )
    return met


def postgres_url() -> str | None:
    """The benchmark's own database on the test server (.ci/postgres), made if missing."""
    try:
        server = subprocess.run(  # noqa: S603 - the project's own script, as the Makefile runs it
            ["/bin/bash", ".ci/postgres"], capture_output=True, text=True, timeout=300, check=True
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError) as error:
        print(f"PostgreSQL: not measured ({error}); start it with `bash .ci/postgres`")
        return None
    admin = create_engine(server.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.scalar(
            select(text("1")).select_from(text("pg_database")).where(text("datname = 'ivr_bench_routing'"))
        )
        if not exists:
            connection.execute(text("CREATE DATABASE ivr_bench_routing"))
    admin.dispose()
    return server.rsplit("/", 1)[0] + "/ivr_bench_routing"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--trials", type=int, default=400, help="operator_available calls per process (400)")
    parser.add_argument("--waiting", type=int, default=200, help="callers in line (200)")
    parser.add_argument("--operators", type=int, default=30, help="operators, half per process (30)")
    options = parser.parse_args()
    print(
        f"operator available -> the REST request ringing them: {options.waiting} callers waiting, "
        f"{options.operators} operators, 2 processes deciding at once"
    )
    met = True
    with tempfile.TemporaryDirectory() as scratch:
        if options.database in ("sqlite", "both"):
            url = f"sqlite:///{scratch}/routing.sqlite3"
            met &= report(
                "SQLite", run(url, options.waiting, options.operators, options.trials), options.trials
            )
        if options.database in ("postgresql", "both"):
            found = postgres_url()
            if found is not None:
                measured = run(found, options.waiting, options.operators, options.trials)
                met &= report("PostgreSQL", measured, options.trials)
    raise SystemExit(0 if met else 1)


if __name__ == "__main__":
    os.environ.pop("DATABASE_URL", None)
    main()

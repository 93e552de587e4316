"""Two scheduler processes started by mistake against one database run each job once: real
processes (`flask --app app ivr scheduler`), the database the suite runs on (SQLite or PostgreSQL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from itertools import pairwise
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from ivr.models import Alert, JobRun
from tests.conftest import settings_env
from tests.jobs.conftest import ON_CALL_EMAIL, ON_CALL_SMS, Mailbox, add_call
from tests.jobs.test_urgent_alerts import SATURDAY_NIGHT
from tests.jobs.twilio_stand_in import TwilioForJobs, serve

ROOT = Path(__file__).resolve().parents[2]
POLLING_JOBS = ("urgent_alerts", "service_levels", "stale_calls", "desk_review", "journal_replay")
# A job may run again in the test, never sooner than its period.
PERIODS = {"stale_calls": 60, "desk_review": 15, "journal_replay": 60}


def start_scheduler(environ: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        return subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
            [sys.executable, "-m", "flask", "--app", "app", "ivr", "scheduler"],
            cwd=ROOT,
            env=os.environ | environ,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def test_two_schedulers_run_each_job_once_and_alert_once(
    jobs_app: Callable[..., Flask],
    smtp: tuple[Mailbox, int],
    twilio_api: TwilioForJobs,
    on_call_file: Path,
    database_dir: Path,
    tmp_path: Path,
) -> None:
    app = jobs_app()
    add_call(app, SATURDAY_NIGHT, voicemail=True, urgent=True)
    stand_in = serve(twilio_api)
    environ = settings_env(database_dir) | {
        "IVR_FIXED_TIME": "2026-11-28T22:00:00-05:00",
        "IVR_SMTP_HOST": "127.0.0.1",
        "IVR_SMTP_PORT": str(smtp[1]),
        "IVR_ON_CALL": str(on_call_file),
        "IVR_TWILIO_API_URL": f"http://127.0.0.1:{stand_in.server_address[1]}",
        "IVR_ALERT_POLL_SECONDS": "600",  # one period covers the test: a second run would be a duplicate
    }
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    schedulers = [start_scheduler(environ, log) for log in logs]
    try:
        started = lambda: all("scheduler started" in log.read_text() for log in logs)  # noqa: E731
        wait_for(started, 90, "both schedulers to start")

        def runs() -> dict[str, int]:
            with app.extensions["ivr.db"]() as session:
                counted = session.execute(
                    select(JobRun.job, func.count())
                    .where(JobRun.finished_at.is_not(None))
                    .group_by(JobRun.job)
                )
                return {job: count for job, count in counted}

        wait_for(lambda: all(job in runs() for job in POLLING_JOBS), 60, "the polling jobs to run")
        time.sleep(3)  # both schedulers have fired every job at least once by now
        assert all(process.poll() is None for process in schedulers), [log.read_text() for log in logs]
    finally:
        for process in schedulers:
            process.send_signal(signal.SIGTERM)
        for process in schedulers:
            process.wait(timeout=30)
        stand_in.shutdown()
        stand_in.server_close()

    # Once per period: urgent alerts (600 s here) and service levels (300 s) once in the test; the
    # shorter-period jobs may run again, never sooner than their period.
    with app.extensions["ivr.db"]() as session:
        started: dict[str, list[datetime]] = {}
        for job, at in session.execute(select(JobRun.job, JobRun.started_at).order_by(JobRun.started_at)):
            started.setdefault(job, []).append(at)
    assert set(started) == set(POLLING_JOBS)
    assert len(started["urgent_alerts"]) == 1 and len(started["service_levels"]) == 1
    for job, period in PERIODS.items():
        assert all((b - a).total_seconds() >= 0.9 * period for a, b in pairwise(started[job])), job
    assert [message["To"] for message in twilio_api.messages()] == [ON_CALL_SMS]
    assert [message["X-Rcpt-To"] for message in smtp[0].messages] == [ON_CALL_EMAIL]
    with app.extensions["ivr.db"]() as session:
        assert session.scalar(select(func.count()).select_from(Alert).where(Alert.sent_at.is_not(None))) == 2
    skipped = sum("job urgent_alerts:" in log.read_text() for log in logs)
    assert skipped == 1  # one scheduler ran it, the other found it taken
    assert all(process.returncode == 0 for process in schedulers)


def test_of_many_takers_at_the_same_instant_exactly_one_gets_the_lease(
    jobs_app: Callable[..., Flask],
) -> None:
    import threading
    from datetime import timedelta

    from ivr.jobs import lease

    app = jobs_app()
    engine, now = app.extensions["ivr.engine"], lease.real_now()
    lease.ensure(engine, [("stale_calls", now)])
    barrier, taken = threading.Barrier(8), []

    def take() -> None:
        barrier.wait()
        taken.append(lease.take(engine, "stale_calls", now, now + timedelta(minutes=1), timedelta(minutes=5)))

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(taken) == [False] * 7 + [True]

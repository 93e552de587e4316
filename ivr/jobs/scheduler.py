"""The scheduler process (`flask ivr scheduler`): APScheduler fires each job on its rhythm.

Every tick only asks to run: the job's lease decides (ivr/jobs/lease.py), so a second scheduler
started by mistake runs nothing twice. Each job is also fired once at start-up, so a daily job
missed while the process was down runs then, and a polling one starts at once.
"""

from __future__ import annotations

import logging
import signal
from datetime import UTC, datetime
from types import FrameType

from flask import Flask

from ivr.jobs.registry import JOBS
from ivr.jobs.runner import prepare, run_job

log = logging.getLogger(__name__)


def serve(app: Flask) -> None:
    """Run the jobs until stopped (Ctrl+C or SIGTERM)."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    settings = app.config["IVR"]
    # APScheduler says "Running job" at INFO on every tick; the runner logs each run that happens.
    logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
    prepare(app)
    scheduler = BlockingScheduler(timezone=UTC)
    for job in JOBS:
        scheduler.add_job(
            run_job,
            job.trigger(settings),
            args=(app, job),
            id=job.name,
            name=job.description,
            next_run_time=datetime.now(UTC),
            coalesce=True,  # runs missed while busy are one run, not a burst
            max_instances=1,
            misfire_grace_time=None,
        )

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("scheduler stopping (signal %s)", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    log.info("scheduler started: %s", ", ".join(f"{job.name} ({job.rhythm(settings)})" for job in JOBS))
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass

"""Run one job once, if this process takes its lease: the scheduler's ticks and `flask ivr jobs run`."""

from __future__ import annotations

import logging
import traceback
from typing import TYPE_CHECKING

from flask import Flask

from ivr.config import ConfigError
from ivr.jobs import lease
from ivr.jobs.context import Context, NotConfigured
from ivr.jobs.on_call import OnCallError
from ivr.jobs.outcome import Done
from ivr.jobs.registry import JOBS, Job
from ivr.models import RunResult

if TYPE_CHECKING:
    from twilio.http import HttpClient

log = logging.getLogger(__name__)

# Errors whose text is ours and names a setting or a file: shown as they are. Any other error is
# shown by its kind only: a library's message may quote an address or a number.
_SAID_AS_IS = (OnCallError, NotConfigured, ConfigError)


def prepare(app: Flask) -> None:
    """Give each job its lease row (a new job, a new database), due as its rhythm says."""
    settings, now = app.config["IVR"], lease.real_now()
    lease.ensure(app.extensions["ivr.engine"], [(job.name, job.first_due(settings, now)) for job in JOBS])


def run_job(
    app: Flask, job: Job, by_hand: bool = False, twilio_http: HttpClient | None = None
) -> Done | None:
    """Run `job` once if it is due (or `by_hand`) and no other run holds it; None if it was not run."""
    engine, settings, now = app.extensions["ivr.engine"], app.config["IVR"], lease.real_now()
    if not lease.take(engine, job.name, now, job.next_due(settings, now), job.hold_for, by_hand):
        return None
    run_id = lease.started(engine, job.name, now)
    done = Done(RunResult.FAILED, "stopped before it finished")
    try:
        with app.app_context():
            done = job.run(Context.of(app, twilio_http))
    except Exception as error:  # noqa: BLE001 - the run is recorded as failed; the scheduler goes on
        said = str(error) if isinstance(error, _SAID_AS_IS) else type(error).__name__
        done = Done(RunResult.FAILED, said)
        log.error(
            "job %s failed with %s\n%s",
            job.name,
            type(error).__name__,
            "".join(traceback.format_tb(error.__traceback__)),
        )
    finally:
        lease.finished(engine, run_id, done.result, done.summary)
        lease.give_back(engine, job.name)
    log.info("job %s: %s: %s", job.name, done.result, done.summary)
    return done

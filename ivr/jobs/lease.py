"""One run of a job at a time, whatever the number of schedulers: a lease row per job in the database.

A scheduler that fires a job first takes its lease with one conditional UPDATE: due, and not held
by a run still in progress. The database locks the row for the update (PostgreSQL re-reads it once
the first transaction commits; SQLite lets one writer at a time), so of two schedulers firing at
once exactly one sees its update change the row, and the other skips. The lease moves the job's
next due time on as it is taken, and expires by itself if its holder dies.

Times here are the real clock's, in UTC: IVR_FIXED_TIME pins what the jobs see, not when they run.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert, or_, update
from sqlalchemy.dialects import postgresql, sqlite

from ivr.models import JobLease, JobRun, RunResult

HOLDER = f"{socket.gethostname()}:{os.getpid()}"


def real_now() -> datetime:
    return datetime.now(UTC)


def ensure(engine: Engine, first_due: Iterable[tuple[str, datetime]]) -> None:
    """Add the lease row of each job that has none (a new job, a new database); others are kept."""
    rows = [{"job": job, "due_at": due} for job, due in first_due]
    if not rows:
        return
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    with engine.begin() as connection:
        connection.execute(dialect.insert(JobLease).on_conflict_do_nothing(), rows)


def take(
    engine: Engine, job: str, now: datetime, next_due: datetime, hold_for: timedelta, by_hand: bool = False
) -> bool:
    """Take the job's lease if it is due (or run by hand) and nobody holds it; True if this process did."""
    conditions = [JobLease.job == job, or_(JobLease.held_until.is_(None), JobLease.held_until < now)]
    values: dict[str, object] = {"held_by": HOLDER, "held_until": now + hold_for}
    if not by_hand:
        conditions.append(JobLease.due_at <= now)
        values["due_at"] = next_due
    with engine.begin() as connection:
        return connection.execute(update(JobLease).where(*conditions).values(**values)).rowcount == 1


def give_back(engine: Engine, job: str) -> None:
    with engine.begin() as connection:
        connection.execute(
            update(JobLease)
            .where(JobLease.job == job, JobLease.held_by == HOLDER)
            .values(held_by=None, held_until=None)
        )


def started(engine: Engine, job: str, now: datetime) -> int:
    with engine.begin() as connection:
        return int(
            connection.execute(
                insert(JobRun).values(job=job, held_by=HOLDER, started_at=now).returning(JobRun.id)
            ).scalar_one()
        )


def finished(engine: Engine, run_id: int, result: RunResult, summary: str) -> None:
    with engine.begin() as connection:
        connection.execute(
            update(JobRun)
            .where(JobRun.id == run_id)
            .values(finished_at=real_now(), result=result, summary=summary[:2000])
        )

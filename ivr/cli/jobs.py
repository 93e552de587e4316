"""`flask ivr scheduler` (the jobs' own process) and `flask ivr jobs list|run` (look, or run one by hand).

The jobs are imported when a command runs: every app builds the CLI group, web workers included.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from ivr.cli.ready import database_ready
from ivr.db import session_scope
from ivr.models import JobLease, JobRun, RunResult


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the background jobs until stopped: start exactly one, never inside the web server."""
    from ivr.jobs.on_call import OnCallError, load_supervisors
    from ivr.jobs.scheduler import serve

    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the app, not its proxy
    database_ready()
    # Read now, so a mistake in who is alerted stops the start, not the first urgent voicemail.
    path = app.config["IVR"].jobs.on_call_path
    try:
        supervisors = load_supervisors(path)
    except OnCallError as error:
        raise click.ClickException(str(error)) from None
    if supervisors.on_call is None and not supervisors.rota:
        click.echo(f"Warning: nobody is on call in {path}: urgent voicemails will wait, shown on the board.")
    serve(app)


@click.group("jobs", cls=AppGroup)
def jobs_group() -> None:
    """The background jobs: list them, or run one now."""


@jobs_group.command("list")
@with_appcontext
def jobs_list() -> None:
    """Each job: its rhythm, when it is next due, and its last run's result."""
    from ivr.jobs.registry import JOBS
    from ivr.jobs.runner import prepare

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    settings = app.config["IVR"]
    database_ready()
    prepare(app)
    with session_scope(app) as session:
        leases = {lease.job: lease for lease in session.scalars(select(JobLease))}
        for job in JOBS:
            lease = leases[job.name]
            last = session.scalars(
                select(JobRun).where(JobRun.job == job.name).order_by(JobRun.id.desc()).limit(1)
            ).first()
            click.echo(f"{job.name}: {job.description} ({job.rhythm(settings)})")
            running = f" (running now in {lease.held_by})" if lease.held_by else ""
            click.echo(f"  next: {_when(lease.due_at)}{running}")
            if last is None:
                click.echo("  last: never run")
            else:
                result = last.result or "running"
                click.echo(f"  last: {_when(last.started_at)}, {result}: {last.summary or ''}".rstrip(": "))


@jobs_group.command("run")
@click.argument("name")
@with_appcontext
def jobs_run(name: str) -> None:
    """Run the job NAME once now, whenever it is next due (`flask ivr jobs list` names them)."""
    from ivr.jobs.registry import JOBS, job_named
    from ivr.jobs.runner import prepare, run_job

    job = job_named(name)
    if job is None:
        raise click.ClickException(
            f"no job named {name!r}. The jobs are: {', '.join(job.name for job in JOBS)}."
        )
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    database_ready()
    prepare(app)
    done = run_job(app, job, by_hand=True)
    if done is None:
        raise click.ClickException(f"{name} is running now in another process: try again when it ends.")
    click.echo(f"{name}: {done.result}: {done.summary}")
    if done.result == RunResult.FAILED:
        raise click.exceptions.Exit(1)


def _when(moment: object) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC" if moment is not None else "-"

"""`flask ivr jobs run NAME` runs one job now; `flask ivr jobs list` shows each job's next and last run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Flask

from ivr.cli.jobs import jobs_group


def test_a_job_run_by_hand_shows_in_the_list_with_its_result(jobs_app: Callable[..., Flask]) -> None:
    runner = jobs_app().test_cli_runner()
    ran = runner.invoke(jobs_group, ["run", "retention"])
    assert ran.exit_code == 0, ran.output
    assert ran.output.startswith("retention: ok: 0 call(s) and 0 recording(s) purged")

    listed = runner.invoke(jobs_group, ["list"]).output
    blocks = {
        block.split(":", 1)[0]: block for block in listed.split("\n") if block and not block.startswith(" ")
    }
    assert set(blocks) == {
        "urgent_alerts",
        "service_levels",
        "stale_calls",
        "desk_review",
        "retention",
        "daily_summary",
        "calendar_check",
        "journal_replay",
    }
    retention = listed.split("retention:", 1)[1]
    assert "(daily at 03:00 Eastern)\n  next: " in retention
    assert "UTC\n  last: " in retention and ", ok: 0 call(s)" in retention
    assert "urgent_alerts" in listed and "(every 30 s)\n  next: " in listed
    assert listed.count("last: never run") == 7


def test_an_unknown_job_is_named_with_the_jobs_there_are(jobs_app: Callable[..., Flask]) -> None:
    result = jobs_app().test_cli_runner().invoke(jobs_group, ["run", "backups"])
    assert result.exit_code == 1
    assert "no job named 'backups'. The jobs are: urgent_alerts, service_levels" in result.output


def test_commands_on_a_database_not_yet_migrated_say_how_to_migrate_it(tmp_path: Path) -> None:
    from ivr import create_app, db
    from tests.conftest import settings_env

    app = create_app(settings_env(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'new.sqlite3'}"))
    try:
        runner = app.test_cli_runner()
        for args in (
            ["jobs", "list"],
            ["jobs", "run", "retention"],
            ["scheduler"],
            ["users", "list"],
            ["keys", "rotate"],
        ):
            result = runner.invoke(args=["ivr", *args])
            assert result.exit_code == 1, result.output
            assert "the database has no tables yet: run `flask --app app ivr db upgrade`" in result.output
            assert "Traceback" not in result.output
    finally:
        db.dispose(app)

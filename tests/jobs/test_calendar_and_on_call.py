"""The calendar check warns of a year without holidays or a closure some caller would not understand;
the on-call file's mistakes name the file, the line and the fix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from ivr.jobs import calendar_check
from ivr.jobs.on_call import OnCallError, load_supervisors
from ivr.models import RunResult
from tests.jobs.conftest import SUPERVISORS, Mailbox, context
from tests.jobs.twilio_stand_in import TwilioForJobs

NO_HOLIDAYS = """time_zone = "America/New_York"
[weekly_hours]
monday = { open = "08:00", close = "20:00" }
[holidays]
calendar = "none"
"""


def test_a_calendar_without_holidays_for_the_coming_year_is_a_warning_to_the_supervisors(
    jobs_app: Callable[..., Flask], smtp: tuple[Mailbox, int], twilio_api: TwilioForJobs, tmp_path: Path
) -> None:
    schedule = tmp_path / "hours.toml"
    schedule.write_text(NO_HOLIDAYS, encoding="utf-8")
    app = jobs_app("2026-11-30T06:00:00-05:00", IVR_SCHEDULE=str(schedule))
    done = calendar_check.run(context(app, twilio_api))
    assert done.result == RunResult.WARNING
    assert f"{schedule}: no holiday or closure in the coming year" in done.summary
    [email] = smtp[0].to(SUPERVISORS)
    assert "no holiday or closure in the coming year" in Mailbox.text(email)


def test_a_coming_closure_without_every_translation_is_a_warning(
    jobs_app: Callable[..., Flask], twilio_api: TwilioForJobs, tmp_path: Path
) -> None:
    schedule = tmp_path / "hours.toml"
    closure = '\n[[closure]]\ndate = 2026-12-28\nreason = "an outage"\nreason_es = "una avería"\n'
    schedule.write_text(NO_HOLIDAYS + closure, encoding="utf-8")
    app = jobs_app("2026-11-30T06:00:00-05:00", IVR_SCHEDULE=str(schedule))
    done = calendar_check.run(context(app, twilio_api))
    assert done.result == RunResult.WARNING
    assert "has no reason_ht" in done.summary and "has no reason_es" not in done.summary
    assert "no holiday or closure" not in done.summary  # the closure is a day off


def test_the_shipped_calendar_has_holidays_and_nothing_to_warn_of(
    jobs_app: Callable[..., Flask], twilio_api: TwilioForJobs
) -> None:
    assert calendar_check.run(context(jobs_app(), twilio_api)).result == RunResult.OK


@pytest.mark.parametrize(
    ("text", "line", "fix"),
    [
        ('[on_call]\nsms = "202-555-0143"\n', 1, 'sms = "+12025550143"'),
        ('[supervisors]\nemail = "boss@example.gov"\n', 2, 'email = ["duty.supervisors@example.gov"]'),
        ('\n[[rota]]\nfirst_day = 2026-12-27\nlast_day = 2026-12-21\nemail = "a@example.gov"\n', 2, "swap"),
        ("[oncall]\n", 1, "use only [supervisors], [on_call] and [[rota]]"),
        ('[on_call]\nname = "nobody"\n', 1, "add sms, email or both"),
    ],
)
def test_a_mistake_in_the_on_call_file_names_the_file_the_line_and_the_fix(
    tmp_path: Path, text: str, line: int, fix: str
) -> None:
    path = tmp_path / "on_call.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(OnCallError) as error:
        load_supervisors(path)
    assert str(error.value).startswith(f"{path}, line {line}: ")
    assert fix in str(error.value)


def test_the_shipped_on_call_file_is_valid_and_names_nobody() -> None:
    shipped = Path(__file__).resolve().parents[2] / "schedules" / "on_call.toml"
    supervisors = load_supervisors(shipped)
    assert supervisors.emails == () and supervisors.on_call is None


def test_the_scheduler_will_not_start_with_a_broken_on_call_file(
    jobs_app: Callable[..., Flask], tmp_path: Path
) -> None:
    from ivr.cli.jobs import scheduler_command

    path = tmp_path / "broken.toml"
    path.write_text('[on_call]\nsms = "call me"\n', encoding="utf-8")
    result = jobs_app(IVR_ON_CALL=str(path)).test_cli_runner().invoke(scheduler_command, [])
    assert result.exit_code == 1
    assert f"Error: {path}, line 1: [on_call]: sms = 'call me' is not a phone number" in result.output

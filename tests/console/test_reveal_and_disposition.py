"""Reveal (the A-number, asked why, audited) and after the call (a disposition, drafted as it is typed)."""

from __future__ import annotations

import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ivr.devtools.twilio_api import FakeTwilioApi
from ivr.models import AuditEntry, Disposition, Operator, OperatorState
from tests.console.conftest import (
    Connected,
    answer,
    caller_with_a_number_and_words,
    go_available,
    post,
    signed_in,
)
from tests.desk.conftest import add_waiting
from tests.signing_in import Person, add_person

HTMX = {"HX-Request": "true"}


@pytest.fixture
def talking(app: Flask, api: FakeTwilioApi, console: FlaskClient) -> Connected:
    go_available(console)
    return answer(app, api, caller_with_a_number_and_words(app, "information about my case"))


def audit_log(app: Flask) -> list[AuditEntry]:
    """The audit entries of reveals (sign-ins are audited too, by the sign-in throttle)."""
    with app.extensions["ivr.db"]() as session:
        reveals = AuditEntry.action.startswith("reveal_")
        entries = list(session.scalars(select(AuditEntry).where(reveals).order_by(AuditEntry.id)))
        session.expunge_all()
        return entries


def dispositions(app: Flask) -> list[Disposition]:
    with app.extensions["ivr.db"]() as session:
        found = list(session.scalars(select(Disposition).order_by(Disposition.id)))
        session.expunge_all()
        return found


# --- Reveal --------------------------------------------------------------------------------------


def test_revealing_the_a_number_asks_why_and_writes_who_when_and_why_to_the_audit_log(
    app: Flask, console: FlaskClient, operator: Person, talking: Connected, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        answered = post(
            console,
            f"/console/calls/{talking.call_id}/reveal",
            htmx=True,
            what="a_number",
            reason="to find the case",
        )
    assert '<strong class="revealed">123456789</strong>' in answered.get_data(as_text=True)
    assert answered.headers["Cache-Control"] == "no-store"
    [entry] = audit_log(app)
    assert (entry.user_id, entry.action, entry.subject) == (
        operator.id,
        "reveal_a_number",
        f"call {talking.call_id}",
    )
    assert entry.reason == "to find the case" and entry.at is not None
    with app.extensions["ivr.engine"].connect() as connection:
        stored = connection.exec_driver_sql(
            "SELECT reason FROM audit_log WHERE action = 'reveal_a_number'"
        ).scalar_one()
    assert "find the case" not in stored  # the reason may name someone: encrypted at rest
    assert "123456789" not in caplog.text and "find the case" not in caplog.text
    # The number is in that one answer only: never in the polled part nor the page.
    assert "123456789" not in console.get("/console/").get_data(as_text=True)
    assert "123456789" not in console.get("/console/call", headers=HTMX).get_data(as_text=True)


def test_each_reveal_is_audited_again(app: Flask, console: FlaskClient, talking: Connected) -> None:
    for reason in ("first look", "second look"):
        post(console, f"/console/calls/{talking.call_id}/reveal", htmx=True, what="a_number", reason=reason)
    assert [entry.reason for entry in audit_log(app)] == ["first look", "second look"]


def test_a_reveal_without_a_reason_shows_nothing_and_audits_nothing(
    app: Flask, console: FlaskClient, talking: Connected
) -> None:
    answered = post(
        console, f"/console/calls/{talking.call_id}/reveal", htmx=True, what="a_number", reason=" "
    )
    page = answered.get_data(as_text=True)
    assert "Say why you need it (3 to 500 characters)." in page and "123456789" not in page
    assert audit_log(app) == []


def test_without_htmx_the_reveal_is_a_page_of_its_own(
    app: Flask, console: FlaskClient, talking: Connected
) -> None:
    page = post(console, f"/console/calls/{talking.call_id}/reveal", what="a_number", reason="case lookup")
    assert "<h1>Reveal</h1>" in page.get_data(as_text=True) and "123456789" in page.get_data(as_text=True)


def test_an_operator_who_did_not_take_the_caller_may_not_reveal_their_numbers(
    app: Flask, console: FlaskClient, talking: Connected
) -> None:
    other = signed_in(app, add_person(app, "ben.operator@example.gov", languages="en"))
    for what in ("a_number", "caller_number"):
        refused = post(other, f"/console/calls/{talking.call_id}/reveal", what=what, reason="curious")
        assert refused.status_code == 403
    # Ana took the call, but the caller's own number is only for calling back a voicemail.
    assert (
        post(
            console, f"/console/calls/{talking.call_id}/reveal", what="caller_number", reason="x y z"
        ).status_code
        == 403
    )
    assert audit_log(app) == []


# --- After the call -------------------------------------------------------------------------------


def test_the_disposition_is_drafted_as_the_operator_types_and_a_reload_brings_it_back(
    app: Flask, console: FlaskClient, operator: Person, talking: Connected
) -> None:
    url = f"/console/calls/{talking.call_id}/disposition/draft"
    status = post(console, url, htmx=True, kind="", notes="Caller asks about her hearing date")
    assert status.get_data(as_text=True) == "Draft saved at 10:00\u202fAM."
    post(console, url, htmx=True, kind="information_given", notes="Caller asks about her hearing date; told")
    [draft] = dispositions(app)
    assert (draft.kind, draft.final, draft.operator_id) == ("information_given", False, operator.id)
    talking.room_ends()
    page = console.get("/console/").get_data(as_text=True)
    assert '<option value="information_given" selected>' in page
    assert "Caller asks about her hearing date; told</textarea>" in page


def test_notes_are_encrypted_at_rest_and_never_logged(
    app: Flask, console: FlaskClient, talking: Connected, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        post(
            console,
            f"/console/calls/{talking.call_id}/disposition/draft",
            htmx=True,
            notes="Maria Lopez, bed 14",
        )
    with app.extensions["ivr.engine"].connect() as connection:
        stored = connection.exec_driver_sql("SELECT notes FROM dispositions").scalar_one()
    assert "Maria" not in stored and "Maria" not in caplog.text


def test_save_makes_the_disposition_final_ends_the_wrap_up_and_the_next_caller_is_offered(
    app: Flask, api: FakeTwilioApi, console: FlaskClient, operator: Person, talking: Connected
) -> None:
    talking.room_ends()
    add_waiting(app, "CA" + "9" * 32, language="en", waited=30)
    rung = len(api.requests_to(r"^Calls\.json$"))
    response = post(
        console, f"/console/calls/{talking.call_id}/disposition", kind="report_taken", notes="Taken"
    )
    assert response.status_code == 302
    [saved] = dispositions(app)
    assert (saved.kind, saved.notes, saved.final) == ("report_taken", "Taken", True)
    assert len(api.requests_to(r"^Calls\.json$")) == rung + 1  # no longer wrapping up: offered at once
    with app.extensions["ivr.db"]() as session:
        assert session.get(Operator, operator.id).state == OperatorState.ON_CALL  # type: ignore[union-attr]
    page = console.get("/console/").get_data(as_text=True)
    assert "Disposition saved." in page


def test_save_without_a_kind_keeps_the_draft_and_says_what_is_missing(
    app: Flask, console: FlaskClient, talking: Connected
) -> None:
    talking.room_ends()
    post(console, f"/console/calls/{talking.call_id}/disposition", kind="", notes="half written")
    [draft] = dispositions(app)
    assert (draft.final, draft.notes) == (False, "half written")
    page = console.get("/console/").get_data(as_text=True)
    assert "Choose what came of the call, then save." in page and "half written</textarea>" in page


def test_a_saved_disposition_is_not_changed_by_a_late_draft(
    app: Flask, console: FlaskClient, talking: Connected
) -> None:
    talking.room_ends()
    post(console, f"/console/calls/{talking.call_id}/disposition", kind="report_taken", notes="final")
    late = post(
        console, f"/console/calls/{talking.call_id}/disposition/draft", htmx=True, kind="other", notes="late"
    )
    assert late.get_data(as_text=True) == "This disposition was saved already."
    [saved] = dispositions(app)
    assert (saved.kind, saved.notes) == ("report_taken", "final")


def test_a_kind_not_on_the_list_is_refused(app: Flask, console: FlaskClient, talking: Connected) -> None:
    answered = post(console, f"/console/calls/{talking.call_id}/disposition/draft", htmx=True, kind="made_up")
    assert answered.status_code == 400 and dispositions(app) == []


def test_only_the_operator_who_took_the_call_dispositions_it(app: Flask, talking: Connected) -> None:
    other = signed_in(app, add_person(app, "ben.operator@example.gov", languages="en"))
    assert post(other, f"/console/calls/{talking.call_id}/disposition/draft", notes="x").status_code == 403
    assert post(other, f"/console/calls/{talking.call_id}/disposition", kind="other").status_code == 403
    assert dispositions(app) == []

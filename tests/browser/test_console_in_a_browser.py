"""In a real browser: an operator goes available, a caller arrives with their context, the A-number is
revealed (audited), the call is ended and dispositioned; a voicemail is claimed, played and closed;
every action has a key; axe-core finds no serious violation on any console screen."""

from __future__ import annotations

import wave
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from babel.numbers import format_percent
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from ivr.devtools.twilio_api import FakeTwilioApi
from ivr.journey.classifier import classify
from ivr.models import AuditEntry, Call, Disposition, Role, Voicemail
from tests.browser.test_sign_in_in_a_browser import axe_violations
from tests.console.conftest import Connected, answer, caller_with_a_number_and_words
from tests.desk.conftest import NOW, fake_api
from tests.signing_in import PASSWORD, Person, add_person

# What a caller said, with markup and a template expression in it: shown as these very characters.
WORDS = "<script>window.pwned=1</script> {{7*7}} I need information about my case"
# As the classifier scores those words (its figure moves when it learns): the operator sees it.
CONFIDENCE = format_percent(classify(WORDS, "en").confidence, locale="en")
POLLED = 10_000  # ms: the call part is polled every 3 s, the line and the voicemails every 10 s


@pytest.fixture
def api(app: Flask) -> FakeTwilioApi:
    return fake_api(app)


@pytest.fixture
def operator(app: Flask) -> Person:
    return add_person(app, "ana.operator@example.gov", Role.OPERATOR, name="Ana Operadora", languages="en")


def sign_in(page: Page, person: Person) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(person.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/console/")


def rows(app: Flask, model: type[Any], *where: Any) -> list[Any]:
    with app.extensions["ivr.db"]() as session:
        found = list(session.scalars(select(model).where(*where)))
        session.expunge_all()
        return found


def test_an_operator_takes_a_caller_reveals_the_a_number_ends_and_dispositions_the_call(
    page: Page, app: Flask, api: FakeTwilioApi, operator: Person
) -> None:
    sign_in(page, operator)
    page.get_by_role("button", name="Available").click()
    expect(page.locator("#my-state")).to_contain_text("Available")
    expect(page.get_by_role("button", name="Available")).to_have_attribute("aria-pressed", "true")

    caller = caller_with_a_number_and_words(app, WORDS)  # the desk rings Ana's browser
    # Without a reload, and said in the page's status region for a screen reader.
    news = page.get_by_role("status").filter(has_text="A caller is being connected to you")
    announced = "A caller is being connected to you: English, Information about a case."
    expect(news).to_have_text(announced, timeout=POLLED)
    connected = answer(app, api, caller)
    expect(page.locator("#call")).to_contain_text("You are talking with this caller.", timeout=POLLED)
    expect(page.locator("#my-state")).to_contain_text("On a call")

    card = page.locator("#call")
    expect(card.locator("q.words")).to_have_text(WORDS)  # the very characters: not markup, not a template
    assert page.evaluate("() => window.pwned") is None
    assert "49 I need" not in card.inner_text()
    expect(card).to_contain_text(f"understood with {CONFIDENCE} confidence")
    expect(card).to_contain_text("A person in detention")
    expect(card).to_contain_text("2, caller in detention")
    expect(card.locator(".masked")).to_have_text("A-•••-•••-•••")

    card.get_by_label("Why do you need it?").fill("to look up the case the caller asks about")
    card.get_by_role("button", name="Reveal").click()
    expect(card.locator(".revealed")).to_have_text("123456789")
    [entry] = rows(app, AuditEntry, AuditEntry.action == "reveal_a_number")
    assert (entry.user_id, entry.subject) == (operator.id, f"call {connected.call_id}")
    assert entry.reason == "to look up the case the caller asks about"

    page.get_by_label("Notes").fill("Asked about the next hearing")  # notes while talking, drafted
    expect(page.locator("#draft-status")).to_contain_text("Draft saved at")
    card.get_by_role("button", name="Hold").click()
    expect(card.get_by_role("status")).to_have_text("The caller is on hold.")
    card.get_by_role("button", name="End the call").click()
    expect(page.locator("#call").get_by_role("status")).to_have_text("The call is ending.")
    assert api.requests[-1].data == {"Status": "completed"}
    connected.room_ends()  # Twilio's word that the room has closed: Ana wraps up
    expect(page.locator("#call")).to_contain_text("The call has ended.", timeout=POLLED)
    expect(page.locator("#my-state")).to_contain_text("Wrapping up")

    page.get_by_label("What came of the call").select_option("report_taken")
    expect(page.locator("#draft-status")).to_contain_text("Draft saved at")
    page.reload()  # a reload loses nothing
    expect(page.get_by_label("Notes")).to_have_value("Asked about the next hearing")
    expect(page.get_by_label("What came of the call")).to_have_value("report_taken")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Disposition saved.")).to_be_visible()
    expect(page.locator("#my-state")).to_contain_text("Available")
    [saved] = rows(app, Disposition)
    assert (saved.kind, saved.notes, saved.final) == ("report_taken", "Asked about the next hearing", True)
    assert page.goto("/admin/").status == 403  # type: ignore[union-attr]


def a_wav(path: Path, seconds: float = 1.5) -> Path:
    """A short recording as the simulator leaves one: 8 kHz mono, a quiet tone."""
    with wave.open(str(path), "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(8000)
        samples = (((i % 40) - 20) * 300 for i in range(int(8000 * seconds)))
        sound.writeframes(b"".join(sample.to_bytes(2, "little", signed=True) for sample in samples))
    return path


def add_voicemail(app: Flask, recording_url: str, minutes_ago: int = 600, urgent: bool = True) -> int:
    at = NOW - timedelta(minutes=minutes_ago)
    with app.extensions["ivr.db"]() as session:
        call = Call(
            call_sid=f"CA{minutes_ago:032d}",
            caller_number="+15555550123",
            caller_fingerprint="f" * 64,
            started_at=at,
            state="voicemail",
            language="es",
            caller_type="detained",
            subject="assault" if urgent else "other",
            subject_source="keypad",
            a_number="012345678",
        )
        session.add(call)
        session.flush()
        voicemail = Voicemail(
            call_id=call.id,
            recording_sid=f"RE{minutes_ago:032d}",
            recording_url=recording_url,
            duration_seconds=2,
            language="es",
            caller_type="detained",
            subject=call.subject,
            priority=1 if urgent else 3,
            urgent=urgent,
            left_after_hours=True,
            created_at=at,
            work_on=date(2026, 11, 30),
        )
        session.add(voicemail)
        session.commit()
        return voicemail.id


def test_an_operator_claims_plays_and_closes_a_voicemail(
    page: Page, app: Flask, operator: Person, tmp_path: Path
) -> None:
    voicemail_id = add_voicemail(app, a_wav(tmp_path / "message.wav").as_uri())
    sign_in(page, operator)
    page.get_by_role("link", name="1 voicemail waiting").click()
    expect(page.get_by_role("heading", name="1 voicemail to work")).to_be_visible()
    expect(page.locator("#voicemail-list")).to_contain_text("Urgent, left after hours")
    page.get_by_role("button", name="Claim").click()
    expect(page).to_have_url(f"/console/voicemails/{voicemail_id}")
    assert "file:" not in page.content() and "message.wav" not in page.content()

    with page.expect_response(f"**/console/voicemails/{voicemail_id}/recording") as fetched:
        page.keyboard.press("Alt+Shift+KeyP")  # the player's key: focus it, then Space plays it
        expect(page.locator("audio")).to_be_focused()
        page.keyboard.press("Space")
    assert fetched.value.status in (200, 206)
    page.wait_for_function("() => document.querySelector('audio').currentTime > 0")
    [listened] = rows(app, AuditEntry, AuditEntry.action == "listen_voicemail")
    assert (listened.user_id, listened.subject) == (operator.id, f"voicemail {voicemail_id}")

    expect(page.get_by_text("a facility phone cannot be called back")).to_be_visible()
    expect(page.get_by_label("What you did")).to_have_value("no_callback_possible")
    page.get_by_label("Notes").fill("Facility phone; referred the report to the OIG hotline")
    page.get_by_label("What you did").select_option("referred")
    page.get_by_role("button", name="Close the voicemail").click()
    expect(page.get_by_text("Voicemail closed.")).to_be_visible()
    expect(page.get_by_text("No voicemail is waiting.")).to_be_visible()
    [closed] = rows(app, Voicemail)
    assert (closed.follow_up, closed.status, closed.claimed_by) == ("referred", "closed", operator.id)


def test_the_keyboard_reaches_the_state_the_voicemails_and_back_with_visible_focus(
    page: Page, app: Flask, operator: Person
) -> None:
    sign_in(page, operator)
    page.keyboard.press("Alt+Shift+KeyA")
    expect(page.locator("#my-state")).to_contain_text("Available")
    page.keyboard.press("Alt+Shift+KeyW")
    expect(page.locator("#my-state")).to_contain_text("Away")
    # The screen is settled (no htmx request in flight, e.g. the line's counts being polled).
    page.wait_for_function("() => document.querySelector('.htmx-request') === null")
    page.keyboard.press("Alt+Shift+KeyV")
    expect(page).to_have_url("/console/voicemails")
    page.keyboard.press("Alt+Shift+KeyC")
    expect(page).to_have_url("/console/")
    page.keyboard.press("Tab")  # the skip link, then on through the page's controls
    for _ in range(8):
        page.keyboard.press("Tab")
        outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
        assert outline == "solid", page.evaluate("() => document.activeElement.outerHTML")


def test_axe_finds_no_serious_violation_on_any_console_screen(
    audit_page: Page, app: Flask, api: FakeTwilioApi, operator: Person, tmp_path: Path
) -> None:
    page = audit_page
    sign_in(page, operator)
    assert axe_violations(page) == [], "the console, nobody on the line"
    page.get_by_role("button", name="Available").click()
    expect(page.locator("#my-state")).to_contain_text("Available")
    connected: Connected = answer(app, api, caller_with_a_number_and_words(app, WORDS))
    page.reload()
    assert axe_violations(page) == [], "the console during a call"
    page.locator("#call").get_by_label("Why do you need it?").fill("to look up the case")
    page.locator("#call").get_by_role("button", name="Reveal").click()
    expect(page.locator(".revealed")).to_be_visible()
    assert axe_violations(page) == [], "the A-number revealed"
    connected.room_ends()
    page.reload()
    assert axe_violations(page) == [], "after the call: the disposition"
    voicemail_id = add_voicemail(app, a_wav(tmp_path / "message.wav").as_uri())
    add_voicemail(app, a_wav(tmp_path / "other.wav").as_uri(), minutes_ago=30, urgent=False)
    page.goto("/console/")
    assert axe_violations(page) == [], "the line now, with voicemails waiting"
    page.goto("/console/voicemails")
    assert axe_violations(page) == [], "the voicemails"
    page.get_by_role("button", name="Claim").first.click()
    expect(page).to_have_url(f"/console/voicemails/{voicemail_id}")
    assert axe_violations(page) == [], "a voicemail"

"""In a real browser: sign in through the form, land on one's pages, be refused others', pass axe-core."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from ivr.models import Role
from tests.browser.conftest import AXE
from tests.signing_in import PASSWORD, Person, add_person


@pytest.fixture
def operator(app: Flask) -> Person:
    return add_person(app, "ana.operator@example.gov", Role.OPERATOR, name="Ana Operadora")


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_an_operator_signs_in_through_the_form_and_lands_on_the_console(
    page: Page, operator: Person, live_server: str
) -> None:
    sign_in(page, operator.email)
    expect(page).to_have_url(f"{live_server}/console/")
    expect(page.get_by_role("heading", name="Ana Operadora")).to_be_visible()
    expect(page.locator("#my-state")).to_contain_text("Offline")  # the state, not its button
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_an_operator_is_refused_the_administrators_and_the_supervisors_pages(
    page: Page, operator: Person
) -> None:
    sign_in(page, operator.email)
    page.wait_for_url("**/console/")
    for refused in ("/admin/", "/dashboard/"):
        response = page.goto(refused)
        assert response is not None and response.status == 403, refused
        expect(page.get_by_text("You may not see this page")).to_be_visible()
    # Nor are those pages offered to them.
    page.goto("/console/")
    expect(page.get_by_role("link", name="People")).to_have_count(0)
    expect(page.get_by_role("link", name="Dashboard")).to_have_count(0)


def test_signed_out_the_console_sends_the_browser_to_sign_in_and_back(
    page: Page, operator: Person, live_server: str
) -> None:
    page.goto("/console/")
    expect(page).to_have_url(f"{live_server}/login?next=/console/")
    page.get_by_label("Email").fill(operator.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server}/console/")


def test_a_wrong_password_shows_an_error_that_does_not_say_whether_the_email_exists(
    page: Page, operator: Person
) -> None:
    sign_in(page, operator.email, "not the passphrase at all")
    wrong_password = page.get_by_role("alert").inner_text()
    sign_in(page, "nobody@example.gov", "not the passphrase at all")
    unknown_email = page.get_by_role("alert").inner_text()
    assert wrong_password == unknown_email == "The email or password is not right."
    expect(page).to_have_url(re.compile(r"/login$"))


def test_signing_out_returns_to_sign_in(page: Page, operator: Person, live_server: str) -> None:
    sign_in(page, operator.email)
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server}/login")
    expect(page.get_by_role("status")).to_have_text("You are signed out.")
    page.goto("/console/")
    expect(page).to_have_url(re.compile(r"/login\?next="))


def test_the_language_switch_turns_the_screens_spanish(page: Page, operator: Person) -> None:
    page.goto("/login")
    page.get_by_role("button", name="Español").click()
    expect(page.get_by_label("Correo electrónico")).to_be_visible()
    page.get_by_label("Correo electrónico").fill(operator.email)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    expect(page.locator("#my-state")).to_contain_text("Desconectado")
    assert page.locator("html").get_attribute("lang") == "es"


def test_the_keyboard_reaches_the_skip_link_first_and_it_moves_focus_to_the_main_content(page: Page) -> None:
    page.goto("/login")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_htmx_is_served_by_the_app_and_runs_under_the_content_security_policy(page: Page) -> None:
    page.goto("/login")
    page.wait_for_function("() => window.htmx !== undefined")
    config = page.evaluate("() => [htmx.version, htmx.config.includeIndicatorStyles, htmx.config.allowEval]")
    assert config == ["2.0.11", False, False]
    # The page fixture fails the test if the browser refused anything (an inline style, a script).


def axe_violations(page: Page) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    results: dict[str, Any] = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    return [
        {"id": violation["id"], "impact": violation["impact"], "nodes": len(violation["nodes"])}
        for violation in results["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def test_axe_finds_no_serious_violation_on_sign_in_and_the_console(
    audit_page: Page, operator: Person
) -> None:
    audit_page.goto("/login")
    assert axe_violations(audit_page) == []
    sign_in(audit_page, operator.email, "not the passphrase at all")  # the page with its error shown
    assert axe_violations(audit_page) == []
    sign_in(audit_page, operator.email)
    audit_page.wait_for_url("**/console/")
    assert axe_violations(audit_page) == []

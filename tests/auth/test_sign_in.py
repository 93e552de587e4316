"""Signing in through the form: a wrong password says nothing of the email, CSRF refuses forged forms."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from werkzeug.test import TestResponse

from ivr.db import session_scope
from ivr.models import AuditEntry, User
from tests.signing_in import Person, csrf_token, post_form, sign_in


def test_the_sign_in_form_has_fields_labelled_email_and_password(app: Flask) -> None:
    page = app.test_client().get("/login").get_data(as_text=True)
    assert '<label for="email">Email</label>' in page
    assert '<label for="password">Password</label>' in page


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(app: Flask, operator: Person) -> None:
    wrong_password = sign_in(app.test_client(), operator.email, "not the passphrase at all")
    unknown_email = sign_in(app.test_client(), "nobody@example.gov", "not the passphrase at all")
    assert wrong_password.status_code == unknown_email.status_code == 200
    assert "The email or password is not right." in wrong_password.get_data(as_text=True)

    def as_said(response: TestResponse, email: str) -> str:
        return response.get_data(as_text=True).replace(csrf_token(response), "").replace(email, "EMAIL")

    # Apart from the form's own token and the email typed back into it, byte for byte the same.
    assert as_said(wrong_password, operator.email) == as_said(unknown_email, "nobody@example.gov")


def test_a_failed_sign_in_is_audited_without_the_email_in_clear(app: Flask, operator: Person) -> None:
    sign_in(app.test_client(), operator.email, "not the passphrase at all")
    sign_in(app.test_client(), "nobody@example.gov", "not the passphrase at all")
    with session_scope(app) as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "sign_in_failed")).all()
        assert [entry.user_id for entry in entries] == [operator.id, None]
        for entry in entries:
            assert (
                "@" not in entry.subject
                and "example" not in entry.subject
                and "127.0.0.1" not in entry.subject
            )


def test_signing_in_records_when_and_audits_it(app: Flask, operator: Person) -> None:
    assert sign_in(app.test_client(), operator.email).status_code == 302
    with session_scope(app) as session:
        user = session.get(User, operator.id)
        assert user is not None and user.last_sign_in_at is not None
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.user_id == operator.id)).all()
        assert actions == ["signed_in"]


def test_emails_are_matched_whatever_their_case(app: Flask, operator: Person) -> None:
    assert sign_in(app.test_client(), "  " + operator.email.upper()).location == "/console/"


def test_a_form_posted_without_its_csrf_token_is_refused(app: Flask, operator: Person) -> None:
    client = app.test_client()
    client.get("/login")
    response = client.post("/login", data={"email": operator.email, "password": operator.password})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    # ... and so is one with another session's token.
    other = csrf_token(app.test_client().get("/login"))
    forged = {"csrf_token": other, "email": operator.email, "password": operator.password}
    assert client.post("/login", data=forged).status_code == 400
    # Signed in, a sign-out posted from elsewhere (no token) is refused too.
    sign_in(client, operator.email)
    assert client.post("/logout").status_code == 400
    assert client.get("/console/").status_code == 200


def test_twilio_webhooks_need_no_csrf_token(app: Flask) -> None:
    # Refused for its missing signature (403), not for a missing CSRF token (400).
    assert app.test_client().post("/voice/incoming", data={"CallSid": "CA" + "1" * 32}).status_code == 403


def test_the_language_switch_turns_the_screens_spanish_and_the_account_keeps_it(
    app: Flask, operator: Person
) -> None:
    client = app.test_client()
    response = post_form(client, "/login", "/language", language="es", next="/login")
    assert response.location == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="es">' in page and "Correo electrónico" in page and "Contraseña" in page
    sign_in(client, operator.email)
    post_form(client, "/console/", "/language", language="en", next="/console/")
    assert "State" in client.get("/console/").get_data(as_text=True)
    post_form(client, "/console/", "/language", language="es", next="/console/")
    with session_scope(app) as session:
        user = session.get(User, operator.id)
        assert user is not None and user.screen_language == "es"
    # A new browser: the account's choice comes back at sign-in.
    fresh = app.test_client()
    sign_in(fresh, operator.email)
    assert "Estado" in fresh.get("/console/").get_data(as_text=True)


def test_the_browsers_language_chooses_until_a_person_does(app: Flask) -> None:
    page = app.test_client().get("/login", headers={"Accept-Language": "es-MX,es;q=0.9"})
    assert "Iniciar sesión" in page.get_data(as_text=True)
    page = app.test_client().get("/login", headers={"Accept-Language": "fr"})
    assert "Sign in" in page.get_data(as_text=True)


def test_the_language_left_by_someone_who_signed_out_is_not_the_next_persons_choice(
    app: Flask, operator: Person
) -> None:
    from ivr.models import Role
    from tests.signing_in import add_person

    colleague = add_person(app, "beto@example.gov", Role.OPERATOR)
    desk = app.test_client()
    sign_in(desk, operator.email)
    post_form(desk, "/console/", "/language", language="es", next="/console/")
    post_form(desk, "/console/", "/logout")
    assert "Correo electrónico" in desk.get("/login").get_data(as_text=True)  # still hers on screen
    sign_in(desk, colleague.email)
    assert "State" in desk.get("/console/").get_data(as_text=True)  # his account's language
    with session_scope(app) as session:
        user = session.get(User, colleague.id)
        assert user is not None and user.screen_language == "en"

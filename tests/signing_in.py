"""Helpers for tests of the pages: people with accounts, and signing in through the real form."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from ivr.accounts import add_user
from ivr.clock import line_now
from ivr.db import session_scope
from ivr.models import Reach, Role

PASSWORD = "correct horse battery staple"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class Person:
    id: int
    email: str
    name: str
    role: Role
    password: str = PASSWORD


def add_person(
    app: Flask,
    email: str,
    role: Role = Role.OPERATOR,
    name: str | None = None,
    languages: str = "es,en",
    password: str = PASSWORD,
    reach: Reach = Reach.BROWSER,
    reach_address: str | None = None,
) -> Person:
    """Add an account as `flask ivr users add` does (an operator gets their operator row)."""
    name = name or email.split("@")[0].replace(".", " ").title()
    with session_scope(app) as session:
        user = add_user(
            session,
            email=email,
            name=name,
            role=role,
            password=password,
            languages=languages,
            now=line_now(app.config["IVR"]),
            reach=reach,
            reach_address=reach_address,
        )
        user_id = user.id
    return Person(user_id, email, name, role, password)


def csrf_token(page: TestResponse) -> str:
    found = _TOKEN.search(page.get_data(as_text=True))
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(
    client: FlaskClient, email: str, password: str = PASSWORD, next_page: str | None = None
) -> TestResponse:
    """Fill in the sign-in form as a person would: open it, then post it with its token."""
    form = client.get("/login" + (f"?next={next_page}" if next_page else ""))
    data = {"csrf_token": csrf_token(form), "email": email, "password": password}
    if next_page:
        data["next"] = next_page
    return client.post("/login", data=data)


def post_form(client: FlaskClient, page: str, action: str, **fields: str) -> TestResponse:
    """Post a form found on `page` (its CSRF token) to `action`."""
    return client.post(action, data={"csrf_token": csrf_token(client.get(page))} | fields)

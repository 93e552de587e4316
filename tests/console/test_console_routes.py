"""Every console route needs an operator's role and every form its CSRF token; the line now, counted."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ivr.auth.roles import required_role
from ivr.models import Role
from tests.console.conftest import signed_in
from tests.desk.conftest import add_waiting
from tests.signing_in import add_person


def console_rules(app: Flask) -> list[tuple[str, set[str]]]:
    rules = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/console/"):
            url = re.sub(r"<int:\w+>", "1", rule.rule)
            rules.append((url, (rule.methods or set()) - {"HEAD", "OPTIONS"}))
    return rules


def test_every_console_route_needs_an_operator_or_a_later_role(app: Flask) -> None:
    rules = console_rules(app)
    assert len(rules) >= 15
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/console/"):
            assert required_role(app.view_functions[rule.endpoint]) is Role.OPERATOR, rule.rule


def test_signed_out_every_console_route_sends_the_browser_to_sign_in(app: Flask) -> None:
    client = app.test_client()
    for url, methods in console_rules(app):
        for method in methods:
            if method == "POST":
                # No token: refused before the role check is reached, as any form without one.
                assert client.post(url).status_code == 400, url
                continue
            response = client.get(url)
            assert response.status_code == 302 and response.location.startswith("/login?next="), url
            polled = client.get(url, headers={"HX-Request": "true", "HX-Current-URL": "http://x/console/"})
            assert polled.status_code == 401 and polled.headers["HX-Redirect"] == "/login?next=/console/"


def test_every_console_form_is_refused_without_its_csrf_token(app: Flask) -> None:
    client = signed_in(app, add_person(app, "ana.operator@example.gov"))
    posted = [(url, methods) for url, methods in console_rules(app) if "POST" in methods]
    assert len(posted) >= 11
    for url, _methods in posted:
        refused = client.post(url, data={"state": "away", "reason": "x", "kind": "other"})
        assert refused.status_code == 400, url
        assert "This form has expired" in refused.get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.ADMINISTRATOR])
def test_later_roles_may_use_the_console(app: Flask, role: Role) -> None:
    client = signed_in(app, add_person(app, f"{role.value}@example.gov", role, languages="en"))
    for url in ("/console/", "/console/voicemails", "/console/line", "/console/call"):
        assert client.get(url).status_code == 200, url


def test_the_line_now_counts_callers_by_language_and_priority_with_the_longest_wait(
    app: Flask, console: FlaskClient
) -> None:
    add_waiting(app, "CA" + "1" * 32, priority=1, waited=200, language="es", subject="assault")
    add_waiting(app, "CA" + "2" * 32, priority=1, waited=65, language="es", subject="assault")
    add_waiting(app, "CA" + "3" * 32, priority=3, waited=30, language="en")
    add_waiting(app, "CA" + "4" * 32, priority=2, waited=400, language="ht", needs_interpreter="ht")
    part = console.get("/console/line", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<caption>4 callers waiting</caption>" in part
    rows = re.findall(r"<tr>\s*<td>(.*?)</td>\s*<td>(.*?)</td>\s*<td>(.*?)</td>\s*<td>(.*?)</td>", part, re.S)
    assert rows == [
        ("Spanish", "1, urgent subject", "2", "3 min 20 s"),
        ("Interpreter: Haitian Creole", "2, caller in detention", "1", "6 min 40 s"),
        ("English", "3, everyone else", "1", "30 s"),
    ]
    key = re.search(r'"shown": "([0-9a-f]+)"', part)
    assert key and console.get(f"/console/line?shown={key.group(1)}").status_code == 204


def test_the_console_speaks_spanish_when_the_operator_chooses_it(app: Flask, console: FlaskClient) -> None:
    from tests.signing_in import post_form

    post_form(console, "/console/", "/language", language="es", next="/console/")
    page = console.get("/console/").get_data(as_text=True)
    for words in ("La llamada", "La línea ahora", "Nadie espera a un operador.", "Poner", "Teclas"):
        assert words in page, words
    assert "0 mensajes de voz por atender" in console.get("/console/voicemails").get_data(as_text=True)

"""Every page declares who may see it; each role sees its own pages and no others'."""

from __future__ import annotations

import pytest
from flask import Flask

from ivr.auth.roles import is_public, local_path, required_role
from ivr.models import Role
from tests.signing_in import Person, add_person, post_form, sign_in

# Twilio's (signed), the load balancer's (/health, /healthz), the monitoring network's (/metrics,
# by address), the app's own files: not pages.
NOT_PAGES = ("/voice/", "/audio/", "/health", "/metrics", "/static/")
# Seen signed out on purpose, and marked so with @public_page.
PUBLIC_PAGES = {"/login", "/language"}


def test_every_route_declares_the_role_it_needs(app: Flask) -> None:
    undeclared, unexpectedly_public = [], []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(NOT_PAGES) or rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        if rule.rule in PUBLIC_PAGES:
            if not is_public(view):
                undeclared.append(rule.rule)
        elif required_role(view) is None:
            (unexpectedly_public if is_public(view) else undeclared).append(rule.rule)
    assert undeclared == [], "add @role_required(Role...) to these routes"
    assert unexpectedly_public == [], "only sign-in and the language switch may be public"


def test_the_walk_would_catch_a_new_route_without_a_role(app: Flask) -> None:
    app.add_url_rule("/console/forgotten", "forgotten", lambda: "personal data")
    view = app.view_functions["forgotten"]
    assert required_role(view) is None and not is_public(view)


# Each page, the role it needs, and which of operator/supervisor/administrator may see it.
PAGES = {"/console/": Role.OPERATOR, "/dashboard/": Role.SUPERVISOR, "/admin/": Role.ADMINISTRATOR}


@pytest.mark.parametrize("page", PAGES)
def test_signed_out_a_page_redirects_to_sign_in_with_the_page_to_come_back_to(app: Flask, page: str) -> None:
    response = app.test_client().get(page)
    assert response.status_code == 302
    assert response.location == f"/login?next={page}"


@pytest.mark.parametrize("role", list(Role))
def test_each_role_sees_its_pages_and_is_refused_the_others_with_403(app: Flask, role: Role) -> None:
    person = add_person(app, f"{role.value}@example.gov", role)
    client = app.test_client()
    assert sign_in(client, person.email).status_code == 302
    for page, needed in PAGES.items():
        response = client.get(page)
        allowed = list(Role).index(role) >= list(Role).index(needed)
        assert response.status_code == (200 if allowed else 403), (role, page)
        if not allowed:
            assert "You may not see this page" in response.get_data(as_text=True)


def test_an_operator_lands_on_the_console_and_sees_their_name_state_and_languages(
    app: Flask, operator: Person
) -> None:
    client = app.test_client()
    response = sign_in(client, operator.email)
    assert response.location == "/console/"
    page = client.get("/console/").get_data(as_text=True)
    assert "Ana Operadora" in page and "Offline" in page
    assert "Spanish" in page and "English" in page


def test_after_sign_in_a_person_returns_to_the_page_they_asked_for(app: Flask, supervisor: Person) -> None:
    response = sign_in(app.test_client(), supervisor.email, next_page="/console/")
    assert response.location == "/console/"


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", "console/", ""],
)
def test_next_never_leads_off_the_site(app: Flask, operator: Person, target: str) -> None:
    assert local_path(target) is None
    response = sign_in(app.test_client(), operator.email, next_page=target)
    assert response.location == "/console/"


def test_a_deactivated_person_is_signed_out_at_their_next_page(app: Flask, operator: Person) -> None:
    from ivr.db import session_scope
    from ivr.models import User

    client = app.test_client()
    sign_in(client, operator.email)
    assert client.get("/console/").status_code == 200
    with session_scope(app) as session:
        user = session.get(User, operator.id)
        assert user is not None
        user.active = False
    assert client.get("/console/").status_code == 302


def test_a_new_password_signs_out_browsers_signed_in_with_the_old_one(app: Flask, operator: Person) -> None:
    from ivr.accounts import hash_password
    from ivr.db import session_scope
    from ivr.models import User

    client = app.test_client()
    sign_in(client, operator.email)
    with session_scope(app) as session:
        user = session.get(User, operator.id)
        assert user is not None
        user.password_hash = hash_password("an entirely new passphrase")
    assert client.get("/console/").location == "/login?next=/console/"


def test_signing_out_ends_the_session(app: Flask, operator: Person) -> None:
    client = app.test_client()
    sign_in(client, operator.email)
    response = post_form(client, "/console/", "/logout")
    assert response.location == "/login"
    assert client.get("/console/").status_code == 302


def test_signed_out_a_request_from_htmx_sends_the_whole_page_to_sign_in_and_back(app: Flask) -> None:
    response = app.test_client().get(
        "/console/",
        headers={"HX-Request": "true", "HX-Current-URL": "http://localhost/console/?tab=voicemail"},
    )
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login?next=/console/?tab%3Dvoicemail"


def test_htmx_sends_the_csrf_token_with_each_request(app: Flask, operator: Person) -> None:
    client = app.test_client()
    sign_in(client, operator.email)
    page = client.get("/console/").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    assert f'<body hx-headers=\'{{"X-CSRFToken": "{token}"}}\'>' in page
    # A form posted with the token in that header instead of a field is taken.
    response = client.post(
        "/language", data={"language": "es", "next": "/console/"}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 302

"""Pages carry security headers and secure cookies; Twilio's webhooks are answered as before."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from ivr import create_app, db
from ivr.pages.headers import PAGE_HEADERS
from tests.conftest import settings_env
from tests.signing_in import Person, sign_in


@pytest.mark.parametrize("page", ["/login", "/console/", "/admin/"])
def test_every_page_carries_the_security_headers(app: Flask, operator: Person, page: str) -> None:
    client = app.test_client()
    sign_in(client, operator.email)
    response = client.get(page)
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response.headers  # only over HTTPS, in production


def test_signed_out_redirects_and_refusals_carry_them_too(app: Flask, operator: Person) -> None:
    assert app.test_client().get("/console/").headers["X-Frame-Options"] == "DENY"
    client = app.test_client()
    sign_in(client, operator.email)
    assert "Content-Security-Policy" in client.get("/admin/").headers


def test_no_page_has_inline_script_or_style(app: Flask, operator: Person) -> None:
    client = app.test_client()
    pages = [client.get("/login")]
    sign_in(client, operator.email)
    pages.append(client.get("/console/"))
    for page in pages:
        html = page.get_data(as_text=True)
        assert "<script>" not in html and "<style" not in html and "style=" not in html
        assert " on" + "click=" not in html
        assert '<script src="/static/vendor/htmx.min.js" defer></script>' in html


def test_the_apps_own_scripts_are_served_typed_and_not_sniffed(app: Flask) -> None:
    response = app.test_client().get("/static/vendor/htmx.min.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()


def test_webhook_answers_carry_no_page_headers_and_set_no_cookie(app: Flask) -> None:
    from tests.conftest import Twilio

    response = Twilio(app.test_client()).post("/voice/incoming")
    assert response.status_code == 200
    assert not set(PAGE_HEADERS) & set(response.headers)
    assert "Set-Cookie" not in response.headers and "Vary" not in response.headers


def test_session_cookies_are_http_only_and_lax_and_secure_in_production(
    app: Flask, database_dir: Path, operator: Person
) -> None:
    client = app.test_client()
    sign_in(client, operator.email)
    cookie = client.get_cookie("ivr_session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax" and not cookie.secure
    production = create_app(settings_env(database_dir, IVR_ENV="production", IVR_FIXED_TIME=""))
    assert production.config["SESSION_COOKIE_SECURE"] is True
    assert production.config["SESSION_COOKIE_NAME"] == "__Host-ivr_session"
    assert production.permanent_session_lifetime.total_seconds() == 12 * 3600
    page = production.test_client().get("/login", base_url="https://line.example.org")
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    set_cookie = page.headers["Set-Cookie"]
    assert "__Host-ivr_session=" in set_cookie and "Secure" in set_cookie and "HttpOnly" in set_cookie
    db.dispose(production)

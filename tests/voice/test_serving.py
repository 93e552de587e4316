"""How the line is served: webhook limits of its own, behind a proxy, never from a developer's .env."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue

from ivr import create_app, db
from ivr.config import ConfigError, load_settings
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_URL, settings_env, sign

MONDAY_MORNING = "2026-11-30T10:00:00-05:00"
FORGED = {
    "X-Forwarded-For": "203.0.113.9",
    "X-Forwarded-Proto": "http",
    "X-Forwarded-Host": "attacker.example",
}


def with_a_page(app: Flask) -> Flask:
    """The app with a page beside the webhooks, as sign-in forms will be: it says what it was sent."""

    def page() -> ResponseReturnValue:
        return jsonify(
            field=len(request.form.get("note", "")),
            max_content_length=request.max_content_length,
            max_form_memory_size=request.max_form_memory_size,
            max_form_parts=request.max_form_parts,
            remote_addr=request.remote_addr,
            url=request.url,
        )

    app.add_url_rule("/page", view_func=page, methods=["POST"])
    # What is measured here is the request's limits, not its form's CSRF token (tests/auth has those).
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    return app


def incoming(
    app: Flask,
    signed_for: str,
    params: dict[str, str],
    headers: dict[str, str] | None = None,
    content_type: str | None = None,
) -> int:
    """Post a new call to /voice/incoming, signed over the URL `signed_for`; the status answered."""
    signed = {"X-Twilio-Signature": sign(signed_for, params)} | (headers or {})
    client = app.test_client()
    return client.post("/voice/incoming", data=params, headers=signed, content_type=content_type).status_code


def test_an_oversized_webhook_is_refused_where_a_page_takes_the_same_form(app: Flask) -> None:
    with_a_page(app)
    params = {"CallSid": "CA" + "8" * 32, "From": "+15555550123", "note": "x" * 300_000}
    assert incoming(app, PUBLIC_URL + "/voice/incoming", params) == 413
    page = app.test_client().post("/page", data=params)
    assert page.status_code == 200 and page.json is not None and page.json["field"] == 300_000


def test_a_webhook_field_past_its_limit_is_refused_where_a_page_takes_it(app: Flask) -> None:
    # A text field of a multipart form is held in memory: 64 KB for a webhook, Flask's 500 KB for a page.
    params = {"CallSid": "CA" + "8" * 32, "note": "x" * 100_000}
    with_a_page(app)
    assert incoming(app, PUBLIC_URL + "/voice/incoming", params, content_type="multipart/form-data") == 413
    page = app.test_client().post("/page", data=params, content_type="multipart/form-data")
    assert page.status_code == 200 and page.json is not None and page.json["field"] == 100_000


def test_a_page_keeps_flasks_own_limits(app: Flask) -> None:
    page = with_a_page(app).test_client().post("/page", data={"note": "hello"})
    assert page.json is not None
    assert page.json["max_content_length"] == app.config["MAX_CONTENT_LENGTH"]
    assert page.json["max_form_memory_size"] == app.config["MAX_FORM_MEMORY_SIZE"] == 500_000
    assert page.json["max_form_parts"] == app.config["MAX_FORM_PARTS"] == 1_000


def test_behind_the_proxy_a_forged_forwarded_host_is_not_what_a_signature_is_checked_against(
    app_at: Callable[..., Flask],
) -> None:
    app = app_at(MONDAY_MORNING, IVR_PROXY_HOPS="1")
    params = {"CallSid": "CA" + "5" * 32, "AccountSid": ACCOUNT_SID, "From": "+15555550123"}
    # Signed for the host the headers claim: refused, the line was not called there.
    assert incoming(app, "http://attacker.example/voice/incoming", params, FORGED) == 403
    # Signed for IVR_PUBLIC_URL: taken, whatever the forwarded headers say.
    assert incoming(app, PUBLIC_URL + "/voice/incoming", params, FORGED) == 200


def test_behind_the_proxy_a_page_sees_the_client_as_the_proxy_saw_it(app_at: Callable[..., Flask]) -> None:
    app = with_a_page(app_at(MONDAY_MORNING, IVR_PROXY_HOPS="1"))
    page = app.test_client().post("/page", headers=FORGED)
    assert page.json is not None
    assert page.json["remote_addr"] == "203.0.113.9" and page.json["url"] == "http://attacker.example/page"


def test_with_no_proxy_forwarded_headers_are_not_believed(app: Flask) -> None:
    page = with_a_page(app).test_client().post("/page", headers=FORGED)
    assert page.json is not None
    assert page.json["remote_addr"] == "127.0.0.1" and page.json["url"] == "http://localhost/page"


def test_production_trusts_one_proxy_unless_told_otherwise(tmp_path: Path) -> None:
    production = {
        "IVR_ENV": "production",
        "SECRET_KEY": "s" * 40,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "IVR_DATA_KEY": settings_env(tmp_path)["IVR_DATA_KEY"],
        "IVR_PUBLIC_URL": PUBLIC_URL,
    }
    assert load_settings(production, tmp_path).proxy_hops == 1
    assert load_settings(production | {"IVR_PROXY_HOPS": "2"}, tmp_path).proxy_hops == 2
    assert load_settings(settings_env(tmp_path), tmp_path).proxy_hops == 0
    with pytest.raises(ConfigError, match="IVR_PROXY_HOPS"):
        load_settings(production | {"IVR_PROXY_HOPS": "-1"}, tmp_path)
    with pytest.raises(ConfigError, match="IVR_PROXY_HOPS"):
        load_settings(production | {"IVR_PROXY_HOPS": "nginx"}, tmp_path)


@pytest.fixture
def dotenv(tmp_path: Path) -> Path:
    """A developer's .env, pointing the line elsewhere."""
    path = tmp_path / ".env"
    path.write_text("IVR_QUEUE_NAME=from-dotenv\nIVR_MAX_QUEUE_WAIT=61\n")
    return path


def test_a_testing_app_never_reads_a_dotenv(
    database_dir: Path, dotenv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    given = settings_env(database_dir)
    app = create_app(given, dotenv_path=dotenv)
    assert app.config["IVR"].queue_name == "operators" and app.config["IVR"].max_queue_wait_seconds == 900
    db.dispose(app)
    # Testing named by the environment rather than the mapping: the same.
    monkeypatch.setenv("IVR_ENV", "testing")
    app = create_app({name: value for name, value in given.items() if name != "IVR_ENV"}, dotenv_path=dotenv)
    assert app.config["IVR"].queue_name == "operators"
    db.dispose(app)


def test_other_apps_take_what_the_environment_leaves_to_the_dotenv(
    database_dir: Path, dotenv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("IVR_QUEUE_NAME", raising=False)
    monkeypatch.setenv("IVR_MAX_QUEUE_WAIT", "600")
    given = settings_env(database_dir, IVR_ENV="production", IVR_FIXED_TIME="")
    app = create_app(given, dotenv_path=dotenv)
    assert app.config["IVR"].queue_name == "from-dotenv"
    assert app.config["IVR"].max_queue_wait_seconds == 600  # the environment over the file
    assert "IVR_QUEUE_NAME" not in os.environ  # the file is read, the process's environment left alone
    db.dispose(app)


def test_a_body_of_thousands_of_tiny_fields_is_refused_before_its_signature_is_checked(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    body = "&".join("a=b" for _ in range(40_000))  # 160 KB: under the size limit, far over the fields
    started = time.process_time()
    response = app.test_client().post(
        "/voice/incoming",
        data=body,
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": "junk"},
    )
    spent = time.process_time() - started
    assert response.status_code == 413
    assert "too many fields" in caplog.text and "unsigned" not in caplog.text  # never got that far
    # Printed, not asserted: a timing is no test (the benchmark guards speed).
    print(f"refused 40,000 fields in {spent * 1000:.1f} ms of CPU")


def test_a_twilio_sized_webhook_with_many_fields_still_passes(app: Flask) -> None:
    params = {"CallSid": "CA" + "8" * 32, "AccountSid": ACCOUNT_SID, "From": "+15555550123"} | {
        f"Field{n}": "x" for n in range(60)
    }
    assert incoming(app, PUBLIC_URL + "/voice/incoming", params) == 200

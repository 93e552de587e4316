"""A webhook never answers a caller with a 500 or silence, refuses the unsigned, and leaks nothing."""

from __future__ import annotations

import logging
import os
import runpy
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask
from sqlalchemy import Connection, create_engine, func, select, text
from sqlalchemy.pool import NullPool

from ivr import create_app
from ivr.calls import store as call_store
from ivr.config import PROJECT_ROOT, ConfigError, load_settings
from ivr.journey.machine import State, Turn
from ivr.models import Call, CallEvent
from ivr.voice import turns
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_URL, Caller, Twilio, settings_env, sign, the_call


def test_unsigned_request_is_refused(app: Flask) -> None:
    response = app.test_client().post("/voice/incoming", data={"CallSid": "CA1", "From": "+15555550123"})
    assert response.status_code == 403


def test_request_signed_with_another_token_is_refused(app: Flask) -> None:
    params = {"CallSid": "CA1", "From": "+15555550123"}
    signature = sign(PUBLIC_URL + "/voice/incoming", params, token="f" * 32)
    response = app.test_client().post(
        "/voice/incoming", data=params, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 403


def test_signature_is_checked_against_the_public_url_not_the_host_header(app: Flask) -> None:
    params = {"CallSid": "CA1", "From": "+15555550123"}
    forged = sign("http://attacker.example/voice/incoming", params)
    response = app.test_client().post(
        "/voice/incoming",
        data=params,
        headers={"X-Twilio-Signature": forged, "Host": "attacker.example"},
        base_url="http://attacker.example",
    )
    assert response.status_code == 403


def test_a_signature_over_the_url_with_its_default_port_is_accepted(app: Flask) -> None:
    # Twilio may sign https://host:443/... where the console says https://host/...
    params = {"CallSid": "CA" + "7" * 32, "AccountSid": ACCOUNT_SID, "From": "+15555550123"}
    signature = sign(PUBLIC_URL.replace(".org", ".org:443") + "/voice/incoming", params)
    response = app.test_client().post(
        "/voice/incoming", data=params, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 200 and b"<Gather" in response.data


def test_a_body_far_larger_than_any_webhook_is_refused_before_it_is_read(app: Flask) -> None:
    params = {"CallSid": "CA" + "8" * 32, "From": "+15555550123", "SpeechResult": "x" * 300_000}
    signature = sign(PUBLIC_URL + "/voice/incoming", params)
    response = app.test_client().post(
        "/voice/incoming", data=params, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 413
    with app.extensions["ivr.db"]() as session:
        assert session.scalar(select(Call)) is None


def test_tampered_parameters_are_refused(app: Flask) -> None:
    params = {"CallSid": "CA1", "Digits": "1"}
    signature = sign(PUBLIC_URL + "/voice/gather?step=1", params)
    response = app.test_client().post(
        "/voice/gather?step=1", data=params | {"Digits": "2"}, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 403


def test_refusal_is_logged_without_the_body(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        app.test_client().post("/voice/incoming", data={"From": "+15555550123", "SpeechResult": "secret"})
    assert "refused unsigned voice request: POST /voice/incoming" in caplog.text
    assert "5555550123" not in caplog.text and "secret" not in caplog.text


def test_a_repeated_request_gets_the_same_answer_and_counts_once(app: Flask, caller: Caller) -> None:
    caller.call()
    action = caller.gather().attrib["action"]
    first = caller.post(action, Digits="2").data
    again = caller.post(action, Digits="2").data
    assert first == again
    repeated_incoming = caller.post("/voice/incoming").data
    assert repeated_incoming == first
    with app.extensions["ivr.db"]() as session:
        assert [e.event for e in session.scalars(select(CallEvent))] == ["call_started", "digits_received"]
        call = session.scalar(select(Call))
        assert call is not None and call.state == State.REASON_MENU and call.step == 2


def deliver_again_while_first_is_in_flight(
    monkeypatch: pytest.MonkeyPatch, caller: Caller, url: str, after: str = "load", **form: str
) -> list[bytes]:
    """Twilio delivers one request twice at once: the second runs, whole, while the first is in
    flight: after it read the call (`after="load"`), or just before it writes (`after="save"`)."""
    original, second = getattr(call_store, after), []

    def the_second_delivery() -> None:
        if not second:
            second.append(b"")  # the second delivery goes the plain way
            second[0] = caller.post(url, **form).data

    def let_the_other_delivery_run(*args: object, **kwargs: object) -> object:
        if after == "save":
            the_second_delivery()
        done = original(*args, **kwargs)
        if after == "load":
            the_second_delivery()
        return done

    monkeypatch.setattr(call_store, after, let_the_other_delivery_run)
    first = caller.post(url, **form).data
    return [first, second[0]]


def test_two_deliveries_of_one_answer_at_the_same_moment_count_once(
    app: Flask, caller: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    caller.call()
    first, second = deliver_again_while_first_is_in_flight(
        monkeypatch, caller, caller.gather().attrib["action"], Digits="2"
    )
    assert first == second and b"Gather" in first
    with app.extensions["ivr.db"]() as session:
        assert [e.event for e in session.scalars(select(CallEvent))] == ["call_started", "digits_received"]
        call = session.scalar(select(Call))
        assert call is not None and call.state == State.REASON_MENU and call.step == 2
        assert call.language == "es"


def test_two_deliveries_of_a_new_call_at_the_same_moment_make_one_call(
    app: Flask, caller: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A new call is inserted without a read first: the second delivery lands before its write.
    first, second = deliver_again_while_first_is_in_flight(monkeypatch, caller, "/voice/incoming", "save")
    assert first == second and b"Gather" in first
    with app.extensions["ivr.db"]() as session:
        assert [e.event for e in session.scalars(select(CallEvent))] == ["call_started"]
        assert len(session.scalars(select(Call)).all()) == 1


def test_the_end_of_a_call_is_recorded_even_when_a_step_lands_at_the_same_moment(
    app: Flask, caller: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    caller.call()
    action = caller.gather().attrib["action"]
    load, pressed = call_store.load, []

    def load_then_let_the_menu_answer_land(connection: Connection, call_sid: str) -> object:
        call = load(connection, call_sid)
        if not pressed:
            pressed.append(0)
            pressed[0] = caller.post(action, Digits="1").status_code
        return call

    monkeypatch.setattr(call_store, "load", load_then_let_the_menu_answer_land)
    caller.hang_up(duration=12)
    with app.extensions["ivr.db"]() as session:
        events = [e.event for e in session.scalars(select(CallEvent).order_by(CallEvent.id))]
        assert events == ["call_started", "digits_received", "call_ended"]
        call = session.scalar(select(Call))
        assert call is not None and call.state == State.ENDED and call.duration_seconds == 12
        assert call.language == "en" and call.outcome == "abandoned_in_menu"


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="a server to lose: PostgreSQL only")
def test_a_database_restart_between_two_answers_is_not_heard_by_the_caller(
    app: Flask, caller: Caller
) -> None:
    caller.call()
    # What a restart or failover does to the line's pooled connections: the server ends them.
    killer = create_engine(os.environ["TEST_DATABASE_URL"], poolclass=NullPool)
    with killer.connect() as connection:
        ended = connection.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    killer.dispose()
    assert ended >= 1
    caller.press("1")
    assert "sorry" not in caller.heard_text().lower()
    assert the_call(app, caller).language == "en"


def test_an_error_inside_a_call_apologises_and_queues_when_open(
    app: Flask, caller: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    caller.call()
    caller.press("2")

    def broken(*_args: object) -> Turn:
        raise RuntimeError("bug")

    monkeypatch.setattr(turns, "advance", broken)
    caller.press("1")
    assert caller.heard()[0] == "Lo sentimos, tuvimos un problema de nuestro lado."
    caller.enqueue()


def test_an_error_when_closed_apologises_and_takes_a_message(
    caller_at: Callable[..., Caller], monkeypatch: pytest.MonkeyPatch
) -> None:
    caller = caller_at("2026-11-28T23:00:00-05:00")
    caller.call()

    def broken(*_args: object) -> Turn:
        raise RuntimeError("bug")

    monkeypatch.setattr(turns, "advance", broken)
    caller.press("1")
    assert "We are sorry, something went wrong on our side." in caller.heard()
    assert "Record" in caller.verbs()


def test_a_new_call_whose_record_can_be_neither_made_nor_found_still_hears_a_way_on(
    caller_at: Callable[..., Caller], monkeypatch: pytest.MonkeyPatch
) -> None:
    # /incoming inserts without reading first; if the insert gives way and no record is there
    # either, the caller hears an apology and the safest step, never silence.
    caller = caller_at("2026-11-28T23:00:00-05:00")
    monkeypatch.setattr(call_store, "save", lambda *_args, **_kwargs: False)
    caller.call()
    assert "We are sorry, something went wrong on our side." in caller.heard()
    assert "Record" in caller.verbs()


def down_app(tmp_path: Path, moment: str) -> Flask:
    # Nothing listens on port 9: the database is down.
    env = settings_env(
        tmp_path, DATABASE_URL="postgresql+psycopg://ivr@127.0.0.1:9/ivr", IVR_FIXED_TIME=moment
    )
    return create_app(env)


@pytest.mark.parametrize(
    ("moment", "verb"), [("2026-11-30T10:00:00-05:00", "Enqueue"), ("2026-11-28T10:00:00-05:00", "Record")]
)
def test_fallback_answers_usefully_with_the_database_down(tmp_path: Path, moment: str, verb: str) -> None:
    caller = Caller(down_app(tmp_path, moment).test_client())
    caller._answer("/voice/fallback", ErrorCode="11200", ErrorUrl=PUBLIC_URL + "/voice/incoming")
    assert "We are sorry, something went wrong on our side." in caller.heard()
    assert "Lo sentimos, tuvimos un problema de nuestro lado." in caller.heard()
    assert verb in caller.verbs()


def test_incoming_with_the_database_down_takes_a_message(tmp_path: Path) -> None:
    # The operators' desk chooses callers from the database: while it is away, a caller put in
    # Twilio's queue would wait unseen. Voicemail, journalled, is the safest step
    # (tests/voice/test_outage.py).
    caller = Caller(down_app(tmp_path, "2026-11-30T10:00:00-05:00").test_client())
    caller.call()
    assert "We are sorry, something went wrong on our side." in caller.heard()
    assert "Record" in caller.verbs()
    caller.record()
    assert "Thank you. Your message was saved." in caller.heard_text()


def test_a_worker_that_starts_with_the_database_down_still_answers_calls(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # gunicorn runs the project's gunicorn.conf.py as each worker starts: it gets the line ready,
    # and a database it cannot reach must not stop it from answering.
    app = down_app(tmp_path, "2026-11-30T10:00:00-05:00")
    hooks = runpy.run_path(str(PROJECT_ROOT / "gunicorn.conf.py"))
    with caplog.at_level(logging.WARNING):
        hooks["post_worker_init"](SimpleNamespace(wsgi=app))
    assert "worker started without getting ready (OperationalError)" in caplog.text
    caller = Caller(app.test_client())
    caller.call()
    assert "Record" in caller.verbs()  # a message, kept: no operator can see callers just now


def test_fallback_during_a_call_answers_without_the_database(app: Flask, caller: Caller) -> None:
    # Twilio comes to the fallback when the line did not answer in time, most often because the
    # database did not: it is not asked again, so the apology is said in English and Spanish.
    caller.call()
    caller.press("2")
    with app.extensions["ivr.engine"].connect() as connection:
        events_before = connection.scalar(select(func.count()).select_from(CallEvent.__table__))
    caller._answer("/voice/fallback", ErrorCode="11200", ErrorUrl=PUBLIC_URL + "/voice/gather")
    assert "Lo sentimos, tuvimos un problema de nuestro lado." in caller.heard()
    caller.enqueue()
    with app.extensions["ivr.engine"].connect() as connection:
        assert connection.scalar(select(func.count()).select_from(CallEvent.__table__)) == events_before


def test_phone_numbers_are_encrypted_at_rest_and_absent_from_logs(
    app: Flask, caller: Caller, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        caller.call()
        caller.press("1")
        caller.say("a guard hit me")
        caller.hang_up()
    with app.extensions["ivr.engine"].connect() as connection:
        row = connection.exec_driver_sql("SELECT caller_number, subject_transcript FROM calls").one()
    assert "5555550123" not in row[0] and "guard" not in row[1]
    with app.extensions["ivr.db"]() as session:
        call = session.scalar(select(Call))
        assert call is not None and call.caller_number == "+15555550123"
    assert "5555550123" not in caplog.text and "guard" not in caplog.text


def test_twilio_helper_signs_like_twilio(app: Flask) -> None:
    # The same request with the signature Twilio's own library computes is accepted.
    response = Twilio(app.test_client()).post("/voice/incoming")
    assert response.status_code == 200


def base_env(tmp_path: Path) -> dict[str, str]:
    return {
        "SECRET_KEY": "s" * 40,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "IVR_DATA_KEY": settings_env(tmp_path)["IVR_DATA_KEY"],
        "IVR_PUBLIC_URL": PUBLIC_URL,
    }


def test_production_refuses_to_start_without_a_real_auth_token(tmp_path: Path) -> None:
    env = base_env(tmp_path) | {"IVR_ENV": "production", "TWILIO_AUTH_TOKEN": ""}
    with pytest.raises(ConfigError, match="TWILIO_AUTH_TOKEN"):
        load_settings(env, tmp_path)


def test_production_refuses_to_start_without_the_account_every_request_must_name(tmp_path: Path) -> None:
    env = base_env(tmp_path) | {"IVR_ENV": "production", "TWILIO_ACCOUNT_SID": ""}
    with pytest.raises(ConfigError, match="TWILIO_ACCOUNT_SID"):
        load_settings(env, tmp_path)


def test_production_refuses_a_fixed_clock(tmp_path: Path) -> None:
    env = base_env(tmp_path) | {"IVR_ENV": "production", "IVR_FIXED_TIME": "2026-11-30T10:00:00-05:00"}
    with pytest.raises(ConfigError, match="IVR_FIXED_TIME"):
        load_settings(env, tmp_path)


def test_fixed_time_without_an_offset_is_refused_clearly(tmp_path: Path) -> None:
    env = base_env(tmp_path) | {"IVR_ENV": "testing", "IVR_FIXED_TIME": "2026-11-30T10:00:00"}
    with pytest.raises(ConfigError, match="no UTC offset"):
        load_settings(env, tmp_path)


def test_development_generates_and_keeps_its_secrets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = load_settings({"IVR_ENV": "development"}, tmp_path)
    assert "Development secrets generated" in capsys.readouterr().out
    second = load_settings({"IVR_ENV": "development"}, tmp_path)
    assert first.twilio_auth_token == second.twilio_auth_token and len(first.secret_key) == 64
    assert first.data_keys == second.data_keys


def test_a_call_to_a_long_sip_address_is_kept_and_answered(app: Flask) -> None:
    # Twilio sends To (and From) as SIP addresses for SIP calls: far longer than a phone number.
    sip = "sip:detention-reporting-line-" + "x" * 200 + "@ivr.example.sip.twilio.com"
    caller = Caller(app.test_client(), call_sid="CA" + "7" * 32)
    response = caller._answer("/voice/incoming", To=sip, From=sip)
    assert response.find("Gather") is not None
    with app.extensions["ivr.db"]() as session:
        call = session.scalar(select(Call).where(Call.call_sid == caller.call_sid))
        assert call is not None and call.line_number == sip and call.caller_number == sip

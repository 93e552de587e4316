"""Guessing is slowed per account and per address, never for everyone: others still sign in."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient

from ivr.auth import throttle
from ivr.db import session_scope
from ivr.models import Role
from tests.signing_in import Person, add_person, post_form, sign_in

WRONG = "not the passphrase at all"
NOW = datetime.fromisoformat("2026-11-30T10:00:00-05:00")


def from_address(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_one_account_is_slowed_while_another_signs_in_from_the_same_address(
    app: Flask, operator: Person
) -> None:
    colleague = add_person(app, "beto@example.gov", Role.OPERATOR)
    center = "198.51.100.7"
    for _ in range(throttle.PAIR_ALLOWANCE):
        assert sign_in(from_address(app, center), operator.email, WRONG).status_code == 200
    slowed = sign_in(from_address(app, center), operator.email)  # even the right password waits
    assert slowed.status_code == 429 and int(slowed.headers["Retry-After"]) > 0
    assert "Too many attempts to sign in" in slowed.get_data(as_text=True)
    assert sign_in(from_address(app, center), colleague.email).location == "/console/"


def test_an_unknown_email_is_slowed_like_a_known_one(app: Flask) -> None:
    for _ in range(throttle.PAIR_ALLOWANCE):
        sign_in(from_address(app, "203.0.113.9"), "nobody@example.gov", WRONG)
    assert sign_in(from_address(app, "203.0.113.9"), "nobody@example.gov", WRONG).status_code == 429


def test_guesses_spread_over_many_addresses_slow_the_account_but_not_a_browser_it_used_before(
    app: Flask, operator: Person
) -> None:
    desk = from_address(app, "198.51.100.7")
    assert sign_in(desk, operator.email).status_code == 302  # the operator's own desk, yesterday
    post_form(desk, "/console/", "/logout")
    for number in range(throttle.ACCOUNT_ALLOWANCE):
        sign_in(from_address(app, f"203.0.113.{number}"), operator.email, WRONG)
    assert sign_in(from_address(app, "203.0.113.200"), operator.email).status_code == 429
    assert sign_in(from_address(app, "198.51.100.8"), operator.email).status_code == 429
    assert sign_in(desk, operator.email).location == "/console/"


def test_a_guesser_on_the_call_centers_address_never_locks_out_its_operators(
    app: Flask, operator: Person
) -> None:
    center = "198.51.100.7"
    desk = from_address(app, center)
    assert sign_in(desk, operator.email).status_code == 302
    post_form(desk, "/console/", "/logout")
    # Many accounts guessed from the center's own address: the address is slowed ...
    for number in range(throttle.ADDRESS_ALLOWANCE):
        sign_in(from_address(app, center), f"guess{number}@example.gov", WRONG)
    newcomer = add_person(app, "new.hire@example.gov", Role.OPERATOR)
    assert sign_in(from_address(app, center), newcomer.email).status_code == 429
    # ... but not for an operator at the desk where they signed in before,
    assert sign_in(desk, operator.email).location == "/console/"
    # nor for anyone at another address.
    assert sign_in(from_address(app, "192.0.2.44"), newcomer.email).location == "/console/"


def test_the_wait_doubles_with_each_failure_past_the_allowance_and_ends(app: Flask) -> None:
    attempt = throttle.Attempt.of("ana@example.gov", "198.51.100.7")
    with session_scope(app) as session:
        for minute in range(throttle.PAIR_ALLOWANCE):
            throttle.record_failure(session, attempt, NOW + timedelta(seconds=minute), None)
        session.flush()
        last = NOW + timedelta(seconds=throttle.PAIR_ALLOWANCE - 1)
        assert throttle.wait_needed(session, attempt, last) == throttle.FIRST_DELAY
        throttle.record_failure(session, attempt, last + throttle.FIRST_DELAY, None)
        session.flush()
        assert throttle.wait_needed(session, attempt, last + throttle.FIRST_DELAY) == 2 * throttle.FIRST_DELAY
        assert throttle.wait_needed(session, attempt, last + 3 * throttle.FIRST_DELAY) == timedelta(0)
        # Other people at the same address are not slowed at all.
        other = throttle.Attempt.of("beto@example.gov", "198.51.100.7")
        assert throttle.wait_needed(session, other, last) == timedelta(0)
        # After the window, the failures are forgotten.
        assert throttle.wait_needed(
            session, attempt, NOW + throttle.WINDOW + timedelta(minutes=2)
        ) == timedelta(0)


def test_the_wait_never_exceeds_its_cap(app: Flask) -> None:
    attempt = throttle.Attempt.of("ana@example.gov", "198.51.100.7")
    with session_scope(app) as session:
        for second in range(40):
            throttle.record_failure(session, attempt, NOW + timedelta(seconds=second), None)
        session.flush()
        assert throttle.wait_needed(session, attempt, NOW + timedelta(seconds=39)) == throttle.MAX_DELAY


def test_a_success_clears_its_own_failures(app: Flask, operator: Person) -> None:
    attempt = throttle.Attempt.of("ana@example.gov", "198.51.100.7")
    with session_scope(app) as session:
        for second in range(throttle.PAIR_ALLOWANCE):
            throttle.record_failure(session, attempt, NOW + timedelta(seconds=second), None)
        throttle.record_success(session, attempt, NOW + timedelta(seconds=10), operator.id)
        session.flush()
        assert throttle.wait_needed(session, attempt, NOW + timedelta(seconds=11)) == timedelta(0)

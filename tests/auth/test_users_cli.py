"""`flask ivr users`: accounts made, listed, given a new password, deactivated; errors name the fix."""

from __future__ import annotations

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import select

from ivr.accounts import password_matches
from ivr.db import session_scope
from ivr.models import Operator, OperatorState, User
from tests.signing_in import sign_in

NEW = "a brand new passphrase"


def users(app: Flask, *args: str, password: str | None = NEW, prompt: str | None = None) -> Result:
    env = {"IVR_NEW_PASSWORD": password} if password is not None else {}
    return app.test_cli_runner().invoke(args=["ivr", "users", *args], env=env, input=prompt)


def test_adding_an_operator_makes_their_account_and_their_offline_operator_row(app: Flask) -> None:
    result = users(
        app,
        "add",
        "Ana@Example.gov",
        "--name",
        "Ana Operadora",
        "--languages",
        "es,en",
        "--interpreter-calls",
    )
    assert result.exit_code == 0, result.output
    assert "Added ana@example.gov" in result.output
    with session_scope(app) as session:
        user = session.scalar(select(User).where(User.email == "ana@example.gov"))
        assert user is not None and user.role == "operator" and user.languages == "es,en"
        assert user.takes_interpreter_calls and user.reach_by == "browser"
        assert password_matches(user.password_hash, NEW) and NEW not in user.password_hash
        operator = session.get(Operator, user.id)
        assert operator is not None and operator.state == OperatorState.OFFLINE
    assert sign_in(app.test_client(), "ana@example.gov", NEW).location == "/console/"


def test_the_password_can_be_typed_twice_at_a_hidden_prompt(app: Flask) -> None:
    result = users(
        app,
        "add",
        "sam@example.gov",
        "--name",
        "Sam",
        "--role",
        "supervisor",
        password=None,
        prompt=f"{NEW}\n{NEW}\n",
    )
    assert result.exit_code == 0, result.output
    assert NEW not in result.output  # hidden
    with session_scope(app) as session:
        user = session.scalar(select(User).where(User.email == "sam@example.gov"))
        assert user is not None and session.get(Operator, user.id) is None  # a supervisor: no operator row


def test_an_operator_rung_by_phone_gives_the_number(app: Flask) -> None:
    result = users(
        app, "add", "beto@example.gov", "--name", "Beto", "--reach", "phone", "--address", "+12025550123"
    )
    assert result.exit_code == 0, result.output
    with session_scope(app) as session:
        user = session.scalar(select(User).where(User.email == "beto@example.gov"))
        assert user is not None and user.reach_by == "phone" and user.reach_address == "+12025550123"


@pytest.mark.parametrize(
    ("args", "password", "fix"),
    [
        (("add", "not-an-email", "--name", "X"), NEW, "name@example.gov"),
        (("add", "x@example.gov", "--name", "X", "--languages", "es,xx"), NEW, "prompts/voices.toml"),
        (("add", "x@example.gov", "--name", "X", "--reach", "phone"), NEW, "E.164"),
        (("add", "x@example.gov", "--name", "X", "--role", "boss"), NEW, "'operator', 'supervisor'"),
        (("add", "x@example.gov", "--name", "X"), "short", "at least 12 characters"),
        (("set-password", "nobody@example.gov"), NEW, "users list"),
        (("deactivate", "nobody@example.gov"), NEW, "users list"),
    ],
)
def test_each_mistake_is_refused_with_its_fix(
    app: Flask, args: tuple[str, ...], password: str, fix: str
) -> None:
    result = users(app, *args, password=password)
    assert result.exit_code != 0
    assert fix in result.output


def test_an_email_that_has_an_account_already_is_refused_with_the_command_that_helps(app: Flask) -> None:
    assert users(app, "add", "ana@example.gov", "--name", "Ana").exit_code == 0
    result = users(app, "add", "ANA@example.gov", "--name", "Ana again")
    assert result.exit_code != 0 and "users set-password ana@example.gov" in result.output


def test_list_set_password_and_deactivate(app: Flask) -> None:
    users(app, "add", "ana@example.gov", "--name", "Ana", "--languages", "es,en")
    listed = users(app, "list")
    assert "ana@example.gov" in listed.output and "operator" in listed.output and "offline" in listed.output

    assert users(app, "set-password", "ana@example.gov", password="another long passphrase").exit_code == 0
    assert sign_in(app.test_client(), "ana@example.gov", "another long passphrase").location == "/console/"

    assert users(app, "deactivate", "ana@example.gov").exit_code == 0
    assert "DEACTIVATED" in users(app, "list").output
    refused = sign_in(app.test_client(), "ana@example.gov", "another long passphrase")
    assert "The email or password is not right." in refused.get_data(as_text=True)

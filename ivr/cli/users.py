"""`flask ivr users`: add the people who sign in, list them, set a password, deactivate an account."""

from __future__ import annotations

import os
from datetime import UTC

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr.accounts import (
    AccountError,
    add_user,
    check_reach,
    find_user,
    hash_password,
    normalize_email,
    parse_languages,
    password_problem,
)
from ivr.cli.ready import database_ready
from ivr.clock import line_now
from ivr.db import session_scope
from ivr.line import current_line
from ivr.models import Operator, OperatorState, Role, User

# For scripts: the password without a prompt. (A variable's name, not a password.)
PASSWORD_VARIABLE = "IVR_NEW_PASSWORD"  # noqa: S105 - the variable's name, not a password


@click.group("users", cls=AppGroup)
def users_group() -> None:
    """The people who sign in to the console, the dashboard and the administration pages."""


def _new_password() -> str:
    """The new password: from IVR_NEW_PASSWORD, or typed twice at a hidden prompt."""
    password = os.environ.get(PASSWORD_VARIABLE)
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
    problem = password_problem(password)
    if problem:
        source = PASSWORD_VARIABLE if PASSWORD_VARIABLE in os.environ else "the password typed"
        raise click.ClickException(f"{source}: {problem}.")
    return password


@users_group.command("add")
@click.argument("email")
@click.option("--name", required=True, help="The person's name, as colleagues know it.")
@click.option(
    "--role",
    type=click.Choice([role.value for role in Role]),
    default=Role.OPERATOR.value,
    show_default=True,
    help="What they may see: each role sees its own pages and those of the roles before it.",
)
@click.option("--languages", default="en", show_default=True, help="Callers' languages they take: es,en.")
@click.option(
    "--interpreter-calls", is_flag=True, help="Takes callers of other languages, with an interpreter."
)
@click.option(
    "--reach", default="browser", show_default=True, help="How they are rung: browser, phone or sip."
)
@click.option(
    "--address", default=None, help="The phone number (E.164) or SIP address for --reach phone|sip."
)
@with_appcontext
def users_add(
    email: str, name: str, role: str, languages: str, interpreter_calls: bool, reach: str, address: str | None
) -> None:
    """Add a person who signs in with EMAIL (an operator starts offline)."""
    database_ready()
    line = current_line()
    try:
        email = normalize_email(email)
        spoken = parse_languages(languages, line.languages)
        reach_by, reach_address = check_reach(reach, address)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    with session_scope(current_app) as session:
        if find_user(session, email) is not None:
            raise click.ClickException(
                f"{email} already has an account: `flask --app app ivr users set-password {email}` "
                "changes its password"
            )
        password = _new_password()
        try:
            user = add_user(
                session,
                email=email,
                name=name,
                role=Role(role),
                password=password,
                languages=spoken,
                now=line_now(line.settings),
                takes_interpreter_calls=interpreter_calls,
                reach=reach_by,
                reach_address=reach_address,
            )
        except AccountError as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"Added {user.email} ({user.role}, languages {user.languages}); they sign in at /login.")


@users_group.command("list")
@with_appcontext
def users_list() -> None:
    """List everyone who signs in: email, role, languages, state, last sign-in."""
    database_ready()
    with session_scope(current_app) as session:
        rows = session.execute(select(User, Operator).outerjoin(Operator).order_by(User.email))
        people = list(rows)
        if not people:
            click.echo(
                "No one signs in yet: add someone with `flask --app app ivr users add EMAIL --name NAME`."
            )
        for user, operator in people:
            state = operator.state if operator else "-"
            signed_in = (
                user.last_sign_in_at.isoformat(timespec="minutes") if user.last_sign_in_at else "never"
            )
            interpreter = " +interpreter" if user.takes_interpreter_calls else ""
            active = "" if user.active else "  DEACTIVATED"
            click.echo(
                f"{user.email:<36} {user.role:<13} {user.languages + interpreter:<20} {state:<12} "
                f"{user.reach_by:<8} last sign-in {signed_in}{active}"
            )


def _existing(session: Session, email: str) -> User:
    user = find_user(session, email)
    if user is None:
        raise click.ClickException(
            f"no account for {email.strip().lower()}: `flask --app app ivr users list` shows who has one"
        )
    return user


@users_group.command("set-password")
@click.argument("email")
@with_appcontext
def users_set_password(email: str) -> None:
    """Give EMAIL a new password (and reactivate it); browsers signed in with the old one are signed out."""
    database_ready()
    with session_scope(current_app) as session:
        user = _existing(session, email)
        user.password_hash = hash_password(_new_password())
        user.active = True
        click.echo(f"New password set for {user.email}.")


@users_group.command("deactivate")
@click.argument("email")
@with_appcontext
def users_deactivate(email: str) -> None:
    """Stop EMAIL from signing in; a browser signed in is signed out at its next page."""
    database_ready()
    with session_scope(current_app) as session:
        user = _existing(session, email)
        user.active = False
        operator = session.get(Operator, user.id)
        if operator is not None and operator.state != OperatorState.OFFLINE:
            # Routing must not ring someone who can no longer sign in to answer.
            operator.state = OperatorState.OFFLINE.value
            operator.since = line_now(current_line().settings).astimezone(UTC)
        click.echo(f"{user.email} can no longer sign in; `users set-password` gives them access again.")

"""Sign in, sign out, and the language switch: the pages anyone reaches before their own."""

from __future__ import annotations

import logging
from datetime import UTC

from flask import current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_user, logout_user
from wtforms import EmailField, Form, PasswordField
from wtforms.validators import InputRequired, Length

from ivr.accounts import (
    MAX_PASSWORD_LENGTH,
    check_against_nobody,
    find_user,
    needs_rehash,
    password_matches,
    rehash,
)
from ivr.auth import bp, known_browsers, throttle
from ivr.auth.roles import home_endpoint, local_path, public_page, role_required
from ivr.auth.signed_in import Account, current_account
from ivr.clock import line_now
from ivr.db import get_session
from ivr.models import Role
from ivr.pages.language import SCREEN_LANGUAGES, SESSION_KEY, remember_screen_language

log = logging.getLogger(__name__)
CHOSEN_SIGNED_OUT = "language_chosen_signed_out"  # the session's language was chosen on this sign-in page


class SignInForm(Form):
    # The labels are what people and checks look for: "Email" and "Password" (issue 11).
    email = EmailField(_l("Email"), [InputRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), [InputRequired(), Length(max=MAX_PASSWORD_LENGTH)])


@bp.route("/login", methods=["GET", "POST"])
@public_page
def login() -> ResponseReturnValue:
    account = current_account()
    next_page = local_path(request.values.get("next"))
    if account is not None and request.method == "GET":
        return redirect(next_page or url_for(home_endpoint(account.user.role)))
    form = SignInForm(request.form)
    if request.method == "POST" and form.validate():
        return _sign_in(form, next_page)
    return render_template("auth/login.html", form=form, next_page=next_page)


def _sign_in(form: SignInForm, next_page: str | None) -> ResponseReturnValue:
    database = get_session()
    now = line_now(current_app.config["IVR"])
    email = str(form.email.data).strip().lower()
    password = str(form.password.data)
    attempt = throttle.Attempt.of(
        email,
        request.remote_addr or "unknown",
        known_browser=throttle.account_key(email) in known_browsers.accounts_known(request),
    )
    wait = throttle.wait_needed(database, attempt, now)
    if wait:
        # Fingerprints only: the log names no email and no address.
        log.warning("sign-in slowed for %s: %d s to wait", attempt.subject, wait.total_seconds())
        minutes = max(1, -(-int(wait.total_seconds()) // 60))
        error = _("Too many attempts to sign in. Wait %(minutes)d minute(s) and try again.", minutes=minutes)
        page = render_template("auth/login.html", form=form, next_page=next_page, error=error)
        return page, 429, {"Retry-After": str(int(wait.total_seconds()) + 1)}

    user = find_user(database, email)
    if user is None or not user.active:
        check_against_nobody(password)  # as long as a real check: the time says nothing either
        matched = False
    else:
        matched = password_matches(user.password_hash, password)
    if user is None or not user.active or not matched:
        throttle.record_failure(database, attempt, now, user.id if user else None)
        database.commit()
        # The same words whether the email has an account or not.
        error = _("The email or password is not right.")
        return render_template("auth/login.html", form=form, next_page=next_page, error=error), 200

    if needs_rehash(user.password_hash):
        user.password_hash = rehash(password)
    user.last_sign_in_at = now.astimezone(UTC)  # SQLite keeps no offset: written in UTC, read as UTC
    throttle.record_success(database, attempt, now, user.id)
    database.commit()
    # A language chosen on the sign-in page is the person's choice now; otherwise their last one
    # (the language kept after someone else signed out at this desk was theirs, not this person's).
    chosen = session.get(SESSION_KEY) if session.get(CHOSEN_SIGNED_OUT) else None
    if chosen in SCREEN_LANGUAGES and chosen != user.screen_language:
        user.screen_language = chosen
        database.commit()
    # A new session for the signed-in person: nothing else from before sign-in carries over.
    session.clear()
    session.permanent = True
    login_user(Account(user))
    remember_screen_language(user.screen_language)
    response = make_response(redirect(next_page or url_for(home_endpoint(user.role))))
    known_browsers.remember_account(request, response, attempt.account)
    return response


@bp.post("/logout")
@role_required(Role.OPERATOR)
def logout() -> ResponseReturnValue:
    language = session.get(SESSION_KEY)
    logout_user()
    session.clear()
    if language:
        remember_screen_language(language)  # the sign-in page stays in the language they chose
    flash(_("You are signed out."))
    return redirect(url_for("auth.login"))


@bp.post("/language")
@public_page
def language() -> ResponseReturnValue:
    """Switch the screens' language; a signed-in person keeps the choice for their next sign-in."""
    chosen = request.form.get("language", "")
    if chosen in SCREEN_LANGUAGES:
        remember_screen_language(chosen)
        account = current_account()
        if account is not None:
            account.user.screen_language = chosen
            get_session().commit()
        else:
            session[CHOSEN_SIGNED_OUT] = True
    return redirect(local_path(request.form.get("next")) or url_for("auth.login"))

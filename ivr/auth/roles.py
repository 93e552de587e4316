"""The role check every page declares: `@role_required(Role.OPERATOR)`, or `@public_page` for sign-in.

Each decorator marks the view it wraps, so that a test can walk the app's URL map and fail for a
page that declares neither (tests/auth/test_roles.py).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec
from urllib.parse import urlsplit

from flask import abort, redirect, request, url_for
from flask.typing import ResponseReturnValue

from ivr.accounts import role_includes
from ivr.auth.signed_in import current_account
from ivr.models import Role

P = ParamSpec("P")
View = Callable[P, ResponseReturnValue]

REQUIRED_ROLE = "required_role"  # the attribute role_required sets on the view it returns
PUBLIC = "public_page"  # the attribute public_page sets: seen signed out, on purpose

# Where each role lands after signing in: the pages of its own audience.
HOME = {
    Role.OPERATOR: "console.home",
    Role.SUPERVISOR: "dashboard.home",
    Role.ADMINISTRATOR: "admin.users",
}


def role_required(role: Role) -> Callable[[View[P]], View[P]]:
    """Let through people holding `role` or a later one; send others to sign in, or answer 403."""

    def decorate(view: View[P]) -> View[P]:
        @functools.wraps(view)
        def checked(*args: P.args, **kwargs: P.kwargs) -> ResponseReturnValue:
            account = current_account()
            if account is None:
                return _to_sign_in()
            if not role_includes(account.user.role, role):
                abort(403)
            return view(*args, **kwargs)

        setattr(checked, REQUIRED_ROLE, role)
        return checked

    return decorate


def _to_sign_in() -> ResponseReturnValue:
    if request.headers.get("HX-Request"):
        # A part of a page that htmx asked for (a poll, a form): the whole browser goes to sign in,
        # then back to the page it was showing, instead of the sign-in form swapped into a corner.
        shown = urlsplit(request.headers.get("HX-Current-URL", ""))
        back = local_path(shown.path + (f"?{shown.query}" if shown.query else ""))
        return "", 401, {"HX-Redirect": url_for("auth.login", next=back)}
    return redirect(url_for("auth.login", next=local_path(request.full_path)))


def public_page(view: View[P]) -> View[P]:
    """Mark a page that anyone may see signed out (sign-in, the language switch)."""
    setattr(view, PUBLIC, True)
    return view


def required_role(view: object) -> Role | None:
    role = getattr(view, REQUIRED_ROLE, None)
    return role if isinstance(role, Role) else None


def is_public(view: object) -> bool:
    return getattr(view, PUBLIC, False) is True


def local_path(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None: `next` must never send anyone elsewhere."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in target):
        return None
    return target.removesuffix("?")  # Flask's full_path ends in "?" when there is no query


def home_endpoint(role: str) -> str:
    try:
        return HOME[Role(role)]
    except ValueError:
        return HOME[Role.OPERATOR]

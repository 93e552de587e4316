"""Who is signed in: the account Flask-Login keeps in the session, loaded on the page's ORM session."""

from __future__ import annotations

from typing import cast

from flask_login import LoginManager, current_user

from ivr.crypto import active_vault
from ivr.db import get_session
from ivr.models import Role, User


class Account:
    """A signed-in person as Flask-Login sees them; `user` is the row, on the request's session."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, user: User) -> None:
        self.user = user

    @property
    def is_active(self) -> bool:
        return self.user.active

    @property
    def role(self) -> Role:
        return Role(self.user.role)

    def get_id(self) -> str:
        return session_id(self.user)


def session_id(user: User) -> str:
    """What the session cookie names a person by: their id, and a keyed digest of their password hash.

    A new password (or a reset one) changes the digest, so every browser still signed in with the
    old one is signed out at its next request; the cookie is signed but readable, hence keyed.
    """
    return f"{user.id}:{active_vault().fingerprint('session:' + user.password_hash)[:24]}"


def load_account(remembered: str) -> Account | None:
    """Flask-Login's user loader: the person the session names, if still active with that password."""
    user_id = remembered.partition(":")[0]
    if not user_id.isdigit():
        return None
    user = get_session().get(User, int(user_id))
    if user is None or not user.active or session_id(user) != remembered:
        return None
    return Account(user)


def current_account() -> Account | None:
    """The signed-in person of this request, or None."""
    if not current_user.is_authenticated:
        return None
    return cast(Account, current_user._get_current_object())


def signed_in_user() -> User:
    """The signed-in person's row, for pages behind `role_required` (which guarantees one)."""
    account = current_account()
    if account is None:
        raise RuntimeError("signed_in_user() on a page without @role_required")
    return account.user


def make_login_manager() -> LoginManager:
    manager = LoginManager()
    manager.user_loader(load_account)
    # Sign-in lasts one browser session (no "remember me" cookie), and a page checks roles itself.
    manager.session_protection = "basic"
    return manager

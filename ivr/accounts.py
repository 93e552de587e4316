"""People's accounts: their passwords, the order of roles, and the checks a new account must pass.

Below the blueprints and the CLI, which both use it (sign-in, `flask ivr users`); it never imports
Flask, so a command and a page create and check accounts the same way.
"""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ivr.models import Operator, OperatorState, Reach, Role, User

# Each role sees its own pages and those of the roles before it.
ROLE_ORDER = (Role.OPERATOR, Role.SUPERVISOR, Role.ADMINISTRATOR)

# NIST SP 800-63B asks for at least 8 characters and lets people use long passphrases; the
# operators' accounts open callers' personal data, so 12. The upper bound only keeps a form post
# from costing the hash more than a passphrase would.
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
# werkzeug's current default, named so that an older hash is recognised and upgraded at sign-in.
PASSWORD_METHOD = "scrypt:32768:8:1"  # noqa: S105 - a method name, not a password

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+[1-9]\d{7,14}$")  # E.164, as Twilio dials it


class AccountError(ValueError):
    """An account cannot be made or changed as asked; the message says what to do instead."""


def role_includes(held: str, needed: Role) -> bool:
    """Whether a person holding `held` may see the pages of `needed`."""
    try:
        return ROLE_ORDER.index(Role(held)) >= ROLE_ORDER.index(needed)
    except ValueError:  # a role this code does not know sees nothing
        return False


def password_problem(password: str) -> str | None:
    """What is wrong with a new password, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"the password is too short: use at least {MIN_PASSWORD_LENGTH} characters (a passphrase)"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"the password is too long: use at most {MAX_PASSWORD_LENGTH} characters"
    if password.strip() != password:
        return "the password starts or ends with a space: remove it (it is easy to mistype)"
    return None


def hash_password(password: str) -> str:
    """The hash of a new password; AccountError if the password is not good enough."""
    problem = password_problem(password)
    if problem:
        raise AccountError(problem)
    return rehash(password)


def rehash(password: str) -> str:
    """Today's hash of a password already accepted (at sign-in), whatever the rules were when it was set."""
    return generate_password_hash(password, method=PASSWORD_METHOD)


def password_matches(stored_hash: str, password: str) -> bool:
    return len(password) <= MAX_PASSWORD_LENGTH and check_password_hash(stored_hash, password)


def needs_rehash(stored_hash: str) -> bool:
    """Whether a hash was made with other parameters than today's (it is redone at the next sign-in)."""
    return not stored_hash.startswith(PASSWORD_METHOD + "$")


@functools.cache
def _nobodys_hash() -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method=PASSWORD_METHOD)


def check_against_nobody(password: str) -> None:
    """Spend the time a real check takes, so an unknown email answers as slowly as a known one."""
    check_password_hash(_nobodys_hash(), password[:MAX_PASSWORD_LENGTH])


def normalize_email(email: str) -> str:
    """The email as stored (trimmed, lowercased); AccountError when it cannot be an address."""
    normalized = email.strip().lower()
    if not _EMAIL.match(normalized) or len(normalized) > 254:
        raise AccountError(f"{email!r} is not an email address: give one like name@example.gov")
    return normalized


def parse_languages(raw: str, known: Iterable[str]) -> str:
    """A comma-separated list of the line's language codes, as stored ("es,en")."""
    known = tuple(known)
    codes = [code.strip().lower() for code in raw.split(",") if code.strip()]
    unknown = [code for code in codes if code not in known]
    if unknown or not codes:
        raise AccountError(
            f"languages {raw!r}: {', '.join(unknown) or 'none given'} is not one of the line's "
            f"languages; use codes from prompts/voices.toml: {', '.join(known)}"
        )
    return ",".join(dict.fromkeys(codes))


def check_reach(reach_by: str, address: str | None) -> tuple[Reach, str | None]:
    """How an operator is rung, with the address it needs (a phone number, a SIP address) or none."""
    try:
        reach = Reach(reach_by)
    except ValueError:
        raise AccountError(f"reach {reach_by!r}: use one of {', '.join(r.value for r in Reach)}") from None
    if reach is Reach.BROWSER:
        if address:
            raise AccountError("--address is only for --reach phone or sip: the browser needs none")
        return reach, None
    if reach is Reach.PHONE and not (address and _PHONE.match(address)):
        raise AccountError(
            f"--reach phone needs --address with an E.164 number, like +12025550123 (got {address!r})"
        )
    if reach is Reach.SIP and not (address and address.startswith("sip:") and "@" in address):
        raise AccountError(
            "--reach sip needs --address with a SIP address, like sip:desk7@pbx.example.gov "
            f"(got {address!r})"
        )
    return reach, address


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def add_user(
    session: Session,
    *,
    email: str,
    name: str,
    role: Role,
    password: str,
    languages: str,
    now: datetime,
    takes_interpreter_calls: bool = False,
    reach: Reach = Reach.BROWSER,
    reach_address: str | None = None,
) -> User:
    """Add a person; an operator also gets their operator row, offline. The caller commits."""
    email = normalize_email(email)
    now = now.astimezone(UTC)  # SQLite keeps no offset: times are written in UTC and read as such
    if not name.strip():
        raise AccountError("--name is empty: give the person's name as colleagues know it")
    if find_user(session, email) is not None:
        raise AccountError(
            f"{email} already has an account: change its password with `flask --app app ivr users "
            "set-password`"
        )
    user = User(
        email=email,
        name=name.strip(),
        password_hash=hash_password(password),
        role=role.value,
        active=True,
        languages=languages,
        takes_interpreter_calls=takes_interpreter_calls,
        screen_language="en",
        reach_by=reach.value,
        reach_address=reach_address,
        created_at=now,
    )
    session.add(user)
    session.flush()
    if role is Role.OPERATOR:
        session.add(Operator(user_id=user.id, state=OperatorState.OFFLINE.value, since=now))
    return user


def count_users(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)) or 0

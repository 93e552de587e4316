"""Slow down guessing of passwords: per account and address, per account, per address; never all.

Each failed sign-in is a row of the audit log (action "sign_in_failed"), so that every web worker
counts the same attempts and a restart forgets none. Its subject names the account and the address
by keyed fingerprints (ivr.crypto), never the email or the IP in clear.

Three counts over the last WINDOW, each with its own allowance; past it, attempts for that key wait
a delay that doubles with each further failure, up to MAX_DELAY, and are refused unchecked meanwhile
(refusals are not counted, so the wait ends). The address's count is high and the account's
middling, because a call center signs in from one address: a browser where the account has signed in
before (a signed cookie, `known_browser`) is exempt from both, so neither a guesser on the center's
network nor one spread over many addresses can keep an operator out. A success clears its pair's count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ivr.crypto import active_vault
from ivr.models import AuditEntry

FAILED = "sign_in_failed"
SIGNED_IN = "signed_in"
WINDOW = timedelta(minutes=15)
FIRST_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(minutes=15)
# Failures allowed in WINDOW before each key is slowed.
PAIR_ALLOWANCE = 5  # one account from one address: a person mistyping
ACCOUNT_ALLOWANCE = 10  # one account from anywhere (not from a browser it signed in with before)
ADDRESS_ALLOWANCE = 30  # one address, any account: the whole call center's mistakes (idem)
KEY_LENGTH = 24  # hex characters of each fingerprint: two and a space fit the audit subject (60)


@dataclass(frozen=True)
class Attempt:
    """Who is trying to sign in, as the audit log names them."""

    account: str
    address: str
    known_browser: bool = False

    @classmethod
    def of(cls, email: str, address: str, known_browser: bool = False) -> Attempt:
        return cls(account_key(email), address_key(address), known_browser)

    @property
    def subject(self) -> str:
        return f"{self.account} {self.address}"


def account_key(email: str) -> str:
    return active_vault().fingerprint("sign-in account:" + email.strip().lower())[:KEY_LENGTH]


def address_key(address: str) -> str:
    return active_vault().fingerprint("sign-in address:" + address)[:KEY_LENGTH]


def wait_needed(session: Session, attempt: Attempt, now: datetime) -> timedelta:
    """How long this attempt must wait before its password is checked; zero when it may go ahead."""
    now = now.astimezone(UTC)
    rows = session.execute(
        select(AuditEntry.action, AuditEntry.subject, AuditEntry.at).where(
            AuditEntry.action.in_((FAILED, SIGNED_IN)),
            AuditEntry.at >= now - WINDOW,  # the index on `at` keeps this to the last minutes' rows
            or_(
                AuditEntry.subject.startswith(attempt.account + " ", autoescape=True),
                AuditEntry.subject.endswith(" " + attempt.address, autoescape=True),
            ),
        )
    ).all()
    successes = [
        _utc(at) for action, subject, at in rows if action == SIGNED_IN and subject == attempt.subject
    ]
    last_success = max(successes, default=None)
    failures = [(subject, _utc(at)) for action, subject, at in rows if action == FAILED]
    pair = [
        at
        for subject, at in failures
        if subject == attempt.subject and (last_success is None or at > last_success)
    ]
    counts = [(pair, PAIR_ALLOWANCE)]
    if not attempt.known_browser:
        counts.append(
            ([at for subject, at in failures if subject.startswith(attempt.account)], ACCOUNT_ALLOWANCE)
        )
        counts.append(
            ([at for subject, at in failures if subject.endswith(attempt.address)], ADDRESS_ALLOWANCE)
        )
    return max((_wait(times, allowance, now) for times, allowance in counts), default=timedelta(0))


def _wait(failures: list[datetime], allowance: int, now: datetime) -> timedelta:
    beyond = len(failures) - allowance
    if beyond < 0:
        return timedelta(0)
    delay = min(FIRST_DELAY * (1 << min(beyond, 16)), MAX_DELAY)
    return max(max(failures) + delay - now, timedelta(0))


def _utc(at: datetime) -> datetime:
    # Rows here are written in UTC; SQLite gives them back naive, PostgreSQL aware.
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def record_failure(session: Session, attempt: Attempt, now: datetime, user_id: int | None) -> None:
    session.add(AuditEntry(at=now.astimezone(UTC), user_id=user_id, action=FAILED, subject=attempt.subject))


def record_success(session: Session, attempt: Attempt, now: datetime, user_id: int) -> None:
    session.add(
        AuditEntry(at=now.astimezone(UTC), user_id=user_id, action=SIGNED_IN, subject=attempt.subject)
    )

"""Remember, in a signed cookie, which accounts have signed in from this browser before.

The sign-in throttle (ivr/auth/throttle.py) exempts such a browser from the per-account and
per-address counts, so that a guesser elsewhere or on the call center's own network cannot keep an
operator out of the desk they use every day. The cookie holds the accounts' keyed fingerprints only.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Request, Response, current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

LIFETIME = timedelta(days=90)
MOST = 8  # accounts remembered per browser (a shared desk), the most recent kept
SALT = "dril-ivr known browser"


def _cookie_name() -> str:
    return "__Host-ivr_known" if current_app.config["SESSION_COOKIE_SECURE"] else "ivr_known"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def accounts_known(request: Request) -> list[str]:
    raw = request.cookies.get(_cookie_name())
    if not raw:
        return []
    try:
        keys = _serializer().loads(raw, max_age=int(LIFETIME.total_seconds()))
    except BadSignature:
        return []
    return [key for key in keys if isinstance(key, str)] if isinstance(keys, list) else []


def remember_account(request: Request, response: Response, account_key: str) -> None:
    keys = [account_key] + [key for key in accounts_known(request) if key != account_key]
    response.set_cookie(
        _cookie_name(),
        _serializer().dumps(keys[:MOST]),
        max_age=int(LIFETIME.total_seconds()),
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )

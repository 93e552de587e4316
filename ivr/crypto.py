"""Encrypt personal data at rest: phone numbers, A-numbers, speech transcripts, recordings' addresses."""

from __future__ import annotations

import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class Vault:
    """Fernet keys of the line; the first encrypts, all decrypt, so keys can be rotated."""

    def __init__(self, keys: tuple[str, ...]) -> None:
        if not keys:
            raise ValueError("at least one data key is needed")
        self._newest = Fernet(keys[0])
        self._fernet = MultiFernet([self._newest, *(Fernet(key) for key in keys[1:])])
        # A keyed fingerprint lets the line find a repeat caller without storing the number. It follows
        # the newest key, so `flask ivr keys rotate` computes the stored ones anew with the values.
        self._fingerprint_key = hashlib.sha256(b"dril-ivr fingerprint:" + keys[0].encode()).digest()

    def encrypt(self, value: str) -> str:
        return self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise ValueError("stored personal data cannot be decrypted with the configured keys") from None

    def rotated(self, token: str) -> str | None:
        """The value encrypted anew with the newest key; None if that key encrypted it already."""
        try:
            self._newest.decrypt(token.encode())
            return None
        except InvalidToken:
            pass
        try:
            return self._fernet.rotate(token.encode()).decode()
        except InvalidToken:
            raise ValueError("stored personal data cannot be decrypted with the configured keys") from None

    def fingerprint(self, value: str) -> str:
        return hmac.new(self._fingerprint_key, value.encode(), hashlib.sha256).hexdigest()


# Set by ivr.db.init_app: the column type needs the keys at bind time, outside any request.
_active_vault: Vault | None = None


def install_vault(vault: Vault) -> None:
    global _active_vault
    _active_vault = vault


def active_vault() -> Vault:
    if _active_vault is None:
        raise RuntimeError("no data keys installed: create the app first")
    return _active_vault


class Encrypted(TypeDecorator[str]):
    """A text column stored as Fernet ciphertext; reads give back the plain text."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else active_vault().encrypt(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else active_vault().decrypt(value)


def mask_phone(number: str | None) -> str:
    """Show only the last two digits of a phone number, for lists and logs."""
    if not number:
        return "unknown"
    digits = [c for c in number if c.isdigit()]
    return "•" * max(len(digits) - 2, 0) + "".join(digits[-2:])

"""Passwords are hashed with scrypt, salted, checked in constant work, and upgraded when old."""

from __future__ import annotations

import pytest
from werkzeug.security import generate_password_hash

from ivr.accounts import (
    AccountError,
    check_reach,
    hash_password,
    needs_rehash,
    normalize_email,
    parse_languages,
    password_matches,
    role_includes,
)
from ivr.models import Reach, Role


def test_a_password_is_stored_as_a_salted_scrypt_hash_never_in_clear() -> None:
    first, second = hash_password("a long passphrase"), hash_password("a long passphrase")
    assert first.startswith("scrypt:32768:8:1$") and "passphrase" not in first
    assert first != second  # each hash has its own salt
    assert password_matches(first, "a long passphrase") and password_matches(second, "a long passphrase")
    assert not password_matches(first, "a long passphrasE")


def test_a_password_too_short_or_padded_with_spaces_is_refused_with_the_fix() -> None:
    with pytest.raises(AccountError, match="at least 12 characters"):
        hash_password("short")
    with pytest.raises(AccountError, match="space"):
        hash_password(" a long passphrase")


def test_an_over_long_password_is_refused_without_hashing_it() -> None:
    stored = hash_password("a long passphrase")
    assert not password_matches(stored, "x" * 100_000)


def test_a_hash_made_with_older_parameters_is_marked_for_rehashing() -> None:
    assert not needs_rehash(hash_password("a long passphrase"))
    assert needs_rehash(generate_password_hash("a long passphrase", method="pbkdf2:sha256:600000"))


def test_roles_see_their_own_pages_and_those_of_the_roles_before_them() -> None:
    assert role_includes("operator", Role.OPERATOR)
    assert not role_includes("operator", Role.SUPERVISOR)
    assert role_includes("supervisor", Role.OPERATOR) and not role_includes("supervisor", Role.ADMINISTRATOR)
    assert all(role_includes("administrator", role) for role in Role)
    assert not role_includes("janitor", Role.OPERATOR)


def test_account_details_are_checked_and_each_error_names_the_fix() -> None:
    assert normalize_email("  Ana@Example.GOV ") == "ana@example.gov"
    with pytest.raises(AccountError, match="name@example.gov"):
        normalize_email("ana")
    assert parse_languages("es, EN,es", ("en", "es", "pt")) == "es,en"
    with pytest.raises(AccountError, match="prompts/voices.toml: en, es"):
        parse_languages("es,klingon", ("en", "es"))
    assert check_reach("browser", None) == (Reach.BROWSER, None)
    assert check_reach("phone", "+12025550123") == (Reach.PHONE, "+12025550123")
    with pytest.raises(AccountError, match="E.164"):
        check_reach("phone", "202-555-0123")
    with pytest.raises(AccountError, match="sip:desk7@"):
        check_reach("sip", "desk7")
    with pytest.raises(AccountError, match="browser, phone, sip"):
        check_reach("pigeon", None)

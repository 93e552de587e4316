"""Fixtures for sign-in and roles: one person of each role on a fresh database."""

from __future__ import annotations

import pytest
from flask import Flask

from ivr.models import Role
from tests.signing_in import Person, add_person


@pytest.fixture
def operator(app: Flask) -> Person:
    return add_person(app, "ana.operator@example.gov", Role.OPERATOR, name="Ana Operadora")


@pytest.fixture
def supervisor(app: Flask) -> Person:
    return add_person(app, "sam.supervisor@example.gov", Role.SUPERVISOR, languages="en")


@pytest.fixture
def administrator(app: Flask) -> Person:
    return add_person(app, "ada.admin@example.gov", Role.ADMINISTRATOR, languages="en")

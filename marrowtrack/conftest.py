"""Fixtures shared by every app: a clinic, an outsider clinic, and one user per role."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from marrowtrack.accounts.models import User
from marrowtrack.accounts.roles import Role
from marrowtrack.core.models import Clinic
from marrowtrack.patients.models import Patient
from marrowtrack.testing.factories import ClinicFactory, PatientFactory, UserFactory


@pytest.fixture
def clinic(db: None) -> Clinic:
    return ClinicFactory(name="Riverside Test Clinic")


@pytest.fixture
def other_clinic(db: None) -> Clinic:
    return ClinicFactory(name="Elsewhere Clinic")


@pytest.fixture
def make_user(clinic: Clinic) -> Callable[..., User]:
    def make(role: str | None = None, *, at: Clinic | None = None, **kwargs: object) -> User:
        return UserFactory(clinic=at or clinic, role=role, **kwargs)

    return make


@pytest.fixture
def staff(make_user: Callable[..., User]) -> dict[str, User]:
    return {role.value: make_user(role.value) for role in Role}


@pytest.fixture
def outsider(make_user: Callable[..., User], other_clinic: Clinic) -> User:
    """A nurse of another clinic: must never see this clinic's records (expects 404)."""
    return make_user(Role.NURSE, at=other_clinic)


@pytest.fixture
def patient(clinic: Clinic) -> Patient:
    return PatientFactory(clinic=clinic, family_name="Núñez", given_name="Rosa")


@pytest.fixture
def client_for() -> Callable[[User | None], Client]:
    def make(user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make

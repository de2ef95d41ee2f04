from __future__ import annotations

import pytest
from django.test import Client

from marrowtrack.notifications.links import link_token
from marrowtrack.portal.access import COOKIE
from marrowtrack.portal.services import link_send, link_use
from marrowtrack.recovery.tests.factories import treated_course
from marrowtrack.testing.factories import PatientFactory


@pytest.fixture
def clinic(clinic):
    clinic.phone = "555-010-1000"
    clinic.save()
    return clinic


@pytest.fixture
def course(patient, staff):
    return treated_course(patient, staff["physician"])


@pytest.fixture
def other_patient(clinic):
    """Another patient of the same clinic: the portal's outsider."""
    return PatientFactory(clinic=clinic, family_name="Other", given_name="Oscar", email="o@x.org")


@pytest.fixture
def portal_client():
    def make(patient) -> Client:
        client = Client()
        started = link_use(token=link_token(link_send(patient=patient, by=None)))
        client.cookies[COOKIE] = started.key
        return client

    return make

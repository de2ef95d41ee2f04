from __future__ import annotations

import pytest

from marrowtrack.recovery.tests.factories import treated_course


@pytest.fixture
def clinic(clinic):
    clinic.phone = "555-010-1000"
    clinic.save()
    return clinic


@pytest.fixture
def course(patient, staff):
    return treated_course(patient, staff["physician"])

from __future__ import annotations

import pytest

from marrowtrack.testing import scenario
from marrowtrack.testing.factories import PASSWORD


@pytest.fixture
def plan(patient, staff):
    return scenario.approved_plan(patient, by=staff["physician"])


@pytest.fixture
def encounter(plan, staff):
    return scenario.check_in(plan, staff["nurse"])


@pytest.fixture
def walk(staff):
    def go(encounter, state):
        return scenario.walk_to(encounter, state, staff, PASSWORD)

    return go

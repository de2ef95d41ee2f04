"""Two local anaesthetic entries for one patient at the same moment, on PostgreSQL, in two
encounters of the same day (issue 8 item 1): each alone is within the limit, together they
are not. The row lock on the patient serialises them: exactly one is recorded."""

from __future__ import annotations

import pytest

from marrowtrack.procedures.models import AnaestheticEntry
from marrowtrack.procedures.states import ProcedureState as S
from marrowtrack.procedures.tests.test_api import Api
from marrowtrack.procedures.tests.test_lab_races import race
from marrowtrack.testing import scenario

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_encounters_dosing_at_once_cannot_both_pass(patient, encounter, walk, staff) -> None:
    """70 kg: 300 mg plain. 16 mL of 1 % (160 mg) twice would be 320 mg."""
    hip = scenario.approved_plan(patient, by=staff["physician"], target="hip")
    scenario.second_needle_confirmed(hip, staff["physician"])
    second = scenario.check_in(hip, staff["nurse"])
    walk(encounter, S.TIMEOUT_1)
    walk(second, S.TIMEOUT_1)
    body = {"percent": "1", "ml": "16", "site": "iliac crest"}
    clients = [(e, Api(staff["physician"])) for e in (encounter, second)]
    calls = [
        lambda e=e, c=c: c.post(f"/procedures/encounters/{e.public_id}/lidocaine", body)
        for e, c in clients
    ]
    assert race(*calls) == [201, 409]
    assert AnaestheticEntry.objects.count() == 1

"""How the marrow was drawn: pulls, mL per pull and a dry tap are recorded with the harvest,
checked against the aspirate volume, and shown to the lab (issue 8, item 14)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from marrowtrack.core.exceptions import ValidationFailed
from marrowtrack.procedures import services
from marrowtrack.procedures.states import ProcedureState as S
from marrowtrack.procedures.tests.test_api import Api
from marrowtrack.testing import scenario

pytestmark = pytest.mark.django_db


def _harvest(encounter, walk, staff, **technique):
    walk(encounter, S.LOCAL_ANESTHESIA)
    services.encounter_transition(encounter=encounter, to=S.HARVESTING, by=staff["physician"])
    data = {**scenario.harvest_data(), **technique}
    return services.harvest_record(encounter=encounter, by=staff["physician"], data=data)


def test_pulls_that_account_for_the_aspirate_raise_no_warning(encounter, walk, staff) -> None:
    harvest = _harvest(encounter, walk, staff, pulls=12, ml_per_pull=Decimal(5), dry_tap=True)
    assert (harvest.pulls, harvest.ml_per_pull, harvest.dry_tap) == (12, Decimal(5), True)
    assert not any("pulls" in w for w in harvest.warnings)


def test_pulls_that_do_not_add_up_to_the_aspirate_are_flagged(encounter, walk, staff) -> None:
    harvest = _harvest(encounter, walk, staff, pulls=3, ml_per_pull=Decimal(5))
    assert any("3 pulls × 5 mL = 15 mL does not match the 60 mL" in w for w in harvest.warnings)


def test_an_implausible_number_of_pulls_is_refused(encounter, walk, staff) -> None:
    with pytest.raises(ValidationFailed) as refused:
        _harvest(encounter, walk, staff, pulls=0, ml_per_pull=Decimal(5))
    assert "pulls" in refused.value.errors


def test_the_lab_sees_how_the_marrow_was_drawn(client_for, encounter, walk, staff) -> None:
    _harvest(encounter, walk, staff, pulls=12, ml_per_pull=Decimal(5), dry_tap=True)
    walk(encounter, S.RELEASED)
    html = client_for(staff["lab_tech"]).get(f"/lab/runs/{encounter.run.public_id}/").content
    text = html.decode()
    assert "in 12 pulls of 5.0 mL" in text and "dry tap at a puncture" in text


def test_the_harvest_endpoint_takes_the_technique(encounter, walk, staff) -> None:
    walk(encounter, S.LOCAL_ANESTHESIA)
    services.encounter_transition(encounter=encounter, to=S.HARVESTING, by=staff["physician"])
    body = {
        **{k: str(v) for k, v in scenario.harvest_data().items()},
        "pulls": 30,
        "ml_per_pull": "2",
        "dry_tap": False,
    }
    response = Api(staff["physician"]).post(
        f"/procedures/encounters/{encounter.public_id}/harvest", body
    )
    assert response.status_code == 201, response.json()
    assert encounter.__class__.objects.get(pk=encounter.pk).harvest.pulls == 30

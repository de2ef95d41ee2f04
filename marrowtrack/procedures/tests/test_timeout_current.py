"""An allergy (or a blood thinner) recorded after the last time-out stops the next needle
step until the team repeats the time-out, which shows the record as it is now (ADR 0024)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from marrowtrack.audit.models import AuditEvent
from marrowtrack.core.exceptions import SafetyRefusal
from marrowtrack.procedures import services
from marrowtrack.procedures.models import HarvestRecord, TimeOut
from marrowtrack.procedures.services.comparator import comparator_injection_record
from marrowtrack.procedures.states import ProcedureState as S
from marrowtrack.procedures.tests.test_api import Api
from marrowtrack.testing import scenario
from marrowtrack.testing.factories import PASSWORD, AllergyFactory, MedicationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def harvesting(encounter, walk, staff):
    walk(encounter, S.LOCAL_ANESTHESIA)
    services.encounter_transition(encounter=encounter, to=S.HARVESTING, by=staff["physician"])
    return encounter


def _latex(encounter):
    return AllergyFactory(patient=encounter.patient, category="latex", substance="Latex")


def _repeat(encounter, staff):
    return services.timeout_repeat(
        encounter=encounter,
        by=staff["physician"],
        data={
            "checklist": dict.fromkeys(TimeOut.ITEMS, True),
            "signers": [(staff["physician"], PASSWORD), (staff["nurse"], PASSWORD)],
            "prep_agent": scenario.prep_agent(encounter),
        },
    )


def _harvest(encounter, staff):
    return services.harvest_record(
        encounter=encounter, by=staff["physician"], data=scenario.harvest_data()
    )


def test_an_allergy_recorded_after_the_time_out_stops_the_harvest(harvesting, staff) -> None:
    _latex(harvesting)
    with pytest.raises(SafetyRefusal, match="record changed after the last time-out") as stop:
        _harvest(harvesting, staff)
    assert "allergy recorded" in stop.value.message and "Latex" in stop.value.message
    assert not HarvestRecord.objects.exists()
    assert AuditEvent.objects.filter(action="refused", reason__contains="Latex").exists()


def test_the_repeated_time_out_shows_the_new_allergy_and_the_harvest_goes_on(
    harvesting, staff
) -> None:
    _latex(harvesting)
    repeated = _repeat(harvesting, staff)
    assert repeated.number == 1 and harvesting.timeouts.count() == 2
    assert "Latex (Latex)" in repeated.checklist["allergies_seen"]
    assert any("Latex" in change for change in repeated.checklist["changes"])
    assert repeated.signatures.count() == 2
    audit = AuditEvent.objects.get(entity="procedures.timeout", action="create")
    assert "Latex" in audit.reason
    harvesting.refresh_from_db()
    assert harvesting.current == S.HARVESTING  # the day did not move
    assert _harvest(harvesting, staff).performed_by == staff["physician"]


def test_a_blood_thinner_recorded_after_the_time_out_stops_the_harvest(harvesting, staff) -> None:
    MedicationFactory(patient=harvesting.patient, name="Clopidogrel", drug_class="antiplatelet")
    with pytest.raises(SafetyRefusal, match="blood thinner record changed at .*: Clopidogrel"):
        _harvest(harvesting, staff)


def test_an_allergy_after_time_out_2_stops_the_bedside_check(encounter, walk, staff) -> None:
    walk(encounter, S.RELEASED)
    _latex(encounter)
    with pytest.raises(SafetyRefusal, match="record changed after the last time-out"):
        scenario.verify(encounter, staff, PASSWORD)
    assert not encounter.bedside_checks.filter(accepted=True).exists()
    _repeat(encounter, staff)
    assert scenario.verify(encounter, staff, PASSWORD).accepted


def test_an_allergy_after_the_time_out_stops_the_injection(encounter, walk, staff) -> None:
    walk(encounter, S.BEDSIDE_VERIFIED)
    _latex(encounter)
    with pytest.raises(SafetyRefusal, match="record changed after the last time-out"):
        scenario.inject(encounter, staff, scenario.syringe(encounter))
    assert not encounter.injections.exists()


def test_an_allergy_after_the_time_out_stops_a_comparator_injection(patient, staff) -> None:
    plan = scenario.approved_comparator_plan(patient, by=staff["physician"])
    encounter = scenario.check_in(plan, staff["nurse"])
    scenario.comparator_walk_to(encounter, S.TIMEOUT_1, staff, PASSWORD)
    _latex(encounter)
    with pytest.raises(SafetyRefusal, match="record changed after the last time-out"):
        comparator_injection_record(
            encounter=encounter,
            by=staff["physician"],
            data=scenario.comparator_injection_data(encounter),
        )


def _api_timeout_body(encounter, staff) -> dict:
    return {
        "data": {
            "checklist": dict.fromkeys(TimeOut.ITEMS, True),
            "prep_agent": scenario.prep_agent(encounter),
        },
        "signers": [
            {"username": staff["physician"].username, "password": PASSWORD},
            {"username": staff["nurse"].username, "password": PASSWORD},
        ],
    }


def test_the_api_refuses_the_harvest_409_then_repeats_the_time_out(
    harvesting, staff, outsider
) -> None:
    _latex(harvesting)
    base = f"/procedures/encounters/{harvesting.public_id}"
    body = {k: str(v) for k, v in scenario.harvest_data().items() if v is not None}
    api = Api(staff["physician"])
    refused = api.post(f"{base}/harvest", body)
    assert refused.status_code == 409 and "Latex" in refused.json()["message"]
    assert Api(outsider).post(f"{base}/timeouts/repeat", {}).status_code == 404
    repeated = api.post(f"{base}/timeouts/repeat", _api_timeout_body(harvesting, staff))
    assert repeated.status_code == 201, repeated.content
    assert "Latex (Latex)" in repeated.json()["checklist"]["allergies_seen"]
    assert api.post(f"{base}/harvest", body).status_code == 201


def test_the_page_shows_the_change_and_repeats_the_time_out(harvesting, staff, client_for) -> None:
    _latex(harvesting)
    client = client_for(staff["physician"])
    page = client.get(harvesting.get_absolute_url()).content.decode()
    assert "The record changed after the last time-out" in page and "Latex" in page
    form = {f"repeat-{key}": "on" for key in TimeOut.ITEMS}
    form.update(
        {
            "repeat-prep_agent": scenario.prep_agent(harvesting),
            "repeat-password": PASSWORD,
            "repeat-username_2": staff["nurse"].username,
            "repeat-password_2": PASSWORD,
        }
    )
    url = reverse("procedures:timeout-repeat", args=[harvesting.public_id])
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(harvesting.get_absolute_url()).content.decode()
    assert "The record changed after the last time-out" not in page
    assert harvesting.timeouts.order_by("-at").first().checklist["allergies_seen"] == [
        "Latex (Latex)"
    ]

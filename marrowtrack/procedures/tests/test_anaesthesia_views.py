"""The dose panel and its forms, and the API (issue 8 items 1-4): the second encounter of the
day refused on the page and through the API, the weight's date shown, strengths from a list,
the signed alternative-agent plan, and the outsider."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from marrowtrack.audit.models import AuditEvent
from marrowtrack.core import clock
from marrowtrack.patients.models import Allergy, WeightMeasurement
from marrowtrack.procedures import services
from marrowtrack.procedures.models import AnaestheticEntry
from marrowtrack.procedures.states import ProcedureState as S
from marrowtrack.procedures.tests.test_api import Api
from marrowtrack.testing import scenario
from marrowtrack.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _url(encounter, what: str = "lidocaine") -> str:
    return f"/procedures/{encounter.public_id}/{what}/"


def _second_encounter_after_a_dry_tap(plan, encounter, walk, staff):
    walk(encounter, S.TIMEOUT_1)
    services.anaesthetic_give(
        encounter=encounter,
        by=staff["physician"],
        percent=Decimal(1),
        ml=Decimal(20),
        with_epinephrine=False,
        site="left iliac crest",
    )
    services.encounter_transition(
        encounter=encounter,
        to=S.ABORTED,
        by=staff["physician"],
        data={"reason": "Dry tap; checked in again this afternoon."},
    )
    second = scenario.check_in(plan, staff["nurse"])
    walk(second, S.TIMEOUT_1)
    return second


def test_the_page_refuses_the_second_encounter_s_dose_past_the_day_s_limit(
    client_for, plan, encounter, walk, staff
) -> None:
    second = _second_encounter_after_a_dry_tap(plan, encounter, walk, staff)
    client = client_for(staff["physician"])
    page = client.get(second.get_absolute_url()).content.decode()
    assert 'id="day-total">200.00 mg' in page and "in another encounter today" in page
    assert f"measured <strong>{clock.today():%Y-%m-%d}</strong> (today" in page
    form = {"preparation": "lidocaine:1", "ml": "10.1", "site": "right iliac crest"}
    response = client.post(_url(second), form)
    assert response.status_code == 409
    assert "Lidocaine limit exceeded: 200 mg given so far today" in response.content.decode()
    response = client.post(_url(second), {**form, "ml": "10"})
    assert response.status_code == 302
    page = client.get(second.get_absolute_url()).content.decode()
    assert 'id="day-share">100.0 %' in page
    assert AnaestheticEntry.objects.filter(encounter=second).count() == 1


def test_the_api_refuses_the_second_encounter_s_dose_past_the_day_s_limit(
    plan, encounter, walk, staff
) -> None:
    second = _second_encounter_after_a_dry_tap(plan, encounter, walk, staff)
    api = Api(staff["physician"])
    path = f"/procedures/encounters/{second.public_id}/lidocaine"
    body = {"percent": "1", "ml": "10.1", "site": "right iliac crest"}
    response = api.post(path, body)
    assert response.status_code == 409
    assert "200 mg given so far today" in response.json()["message"]
    response = api.post(path, {**body, "ml": "10"})
    assert response.status_code == 201
    assert response.json()["total_mg"] == "300.00"
    assert AuditEvent.objects.filter(action="refused").count() == 1


def test_the_api_records_another_amide_and_refuses_a_free_strength(encounter, walk, staff) -> None:
    walk(encounter, S.TIMEOUT_1)
    api = Api(staff["physician"])
    path = f"/procedures/encounters/{encounter.public_id}/lidocaine"
    body = {"agent": "bupivacaine", "percent": "0.25", "ml": "10", "site": "knee"}
    response = api.post(path, body)
    assert response.status_code == 201, response.content
    assert response.json()["agent"] == "bupivacaine"
    assert Decimal(response.json()["fraction_used"]) == Decimal("0.178")  # 25 of 140 mg
    response = api.post(path, {**body, "percent": "0.1"})
    assert response.status_code in (400, 422)
    assert "0.25 % / 0.5 %" in response.content.decode()
    assert AnaestheticEntry.objects.count() == 1


def test_a_stale_weight_is_shown_and_refused_on_the_page(client_for, encounter, walk, staff):
    walk(encounter, S.TIMEOUT_1)
    WeightMeasurement.objects.update(measured_on=clock.today() - timedelta(days=31))
    client = client_for(staff["physician"])
    page = client.get(encounter.get_absolute_url()).content.decode()
    assert 'id="weight-problem"' in page and "more than 30 days before today" in page
    response = client.post(
        _url(encounter), {"preparation": "lidocaine:1", "ml": "1", "site": "crest"}
    )
    assert response.status_code == 409 and "weigh the patient again" in response.content.decode()


def test_the_form_offers_only_real_strengths(client_for, encounter, walk, staff) -> None:
    walk(encounter, S.TIMEOUT_1)
    client = client_for(staff["physician"])
    page = client.get(encounter.get_absolute_url()).content.decode()
    assert 'value="bupivacaine:0.25"' in page and 'value="ropivacaine:0.75"' in page
    response = client.post(
        _url(encounter), {"preparation": "lidocaine:0.1", "ml": "1", "site": "x"}
    )
    assert response.status_code == 409 and not AnaestheticEntry.objects.exists()


def test_a_physician_signs_the_alternative_agent_plan_on_the_page(
    client_for, outsider, encounter, walk, staff
) -> None:
    walk(encounter, S.TIMEOUT_1)
    Allergy.objects.create(
        patient=encounter.patient, category="local_anaesthetic", substance="Lidocaine"
    )
    client = client_for(staff["physician"])
    page = client.get(encounter.get_absolute_url()).content.decode()
    assert 'id="amide-allergy"' in page and "blocked until a physician signs" in page
    form = {
        "kind": "no_amide",
        "note": "Chloroprocaine 3 % (an ester) instead; amide allergy with hives in 2024.",
        "password": PASSWORD,
    }
    assert client_for(outsider).post(_url(encounter, "alternative-agent"), form).status_code == 404
    nurse = client_for(staff["nurse"])
    assert nurse.post(_url(encounter, "alternative-agent"), form).status_code == 403
    wrong = client.post(_url(encounter, "alternative-agent"), {**form, "password": "nope"})
    assert wrong.status_code == 409 and not encounter.alternative_agent_plans.exists()
    assert client.post(_url(encounter, "alternative-agent"), form).status_code == 302
    page = client.get(encounter.get_absolute_url()).content.decode()
    assert "Chloroprocaine 3 % (an ester) instead" in page
    response = client.post(
        f"/procedures/{encounter.public_id}/step/local_anesthesia/", {}, follow=True
    )
    encounter.refresh_from_db()
    assert encounter.state == S.LOCAL_ANESTHESIA, response.content.decode()[:2000]


def test_an_outsider_cannot_record_a_dose(client_for, outsider, encounter, walk) -> None:
    walk(encounter, S.TIMEOUT_1)
    response = client_for(outsider).post(
        _url(encounter), {"preparation": "lidocaine:1", "ml": "1", "site": "crest"}
    )
    assert response.status_code == 404 and not AnaestheticEntry.objects.exists()

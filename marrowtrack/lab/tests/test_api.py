"""The lab's endpoints: a run with counts in the analyser's unit and a managed kit lot, the
two-person release with scans, hand-offs the receiver signs for, returns, late results
checked for length and type (422, never 500), and the outsider."""

from __future__ import annotations

from typing import Any

import pytest

from marrowtrack.core import clock
from marrowtrack.facilities.models import KitLot
from marrowtrack.lab.models import LateResult, ProcessingRun
from marrowtrack.procedures.states import ProcedureState as S
from marrowtrack.procedures.tests.test_api import Api
from marrowtrack.testing import scenario
from marrowtrack.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _run_body(encounter, **overrides: Any) -> dict[str, Any]:
    now = clock.now().isoformat()
    return {
        "encounter_id": str(encounter.public_id),
        "kit_lot_id": str(scenario.kit_lot_for(encounter.clinic).public_id),
        "centrifuge_id": str(scenario.centrifuge_for(encounter.clinic).public_id),
        "rpm": 3200,
        "spin_minutes": 15,
        "aspirate_ml": "66",
        "anticoagulant_ml": "6",
        "concentrate_ml": "8",
        "count_unit": "10e3_per_ul",
        "pre_tnc_per_ul": "30.5",
        "post_tnc_per_ul": "152",
        "started_at": now,
        "ended_at": now,
        **overrides,
    }


def test_a_run_through_the_api_takes_counts_in_thousands_per_ul(encounter, walk, staff) -> None:
    walk(encounter, S.PROCESSING)
    response = Api(staff["lab_tech"]).post("/lab/processing-runs", _run_body(encounter))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["pre_tnc_per_ul"], body["post_tnc_per_ul"]) == ("30500", "152000")
    assert body["computed"]["cf_tnc_basis"] == "diluted" and body["kit_lot"] == "KIT-A17"


def test_a_recalled_kit_lot_is_409_and_another_clinics_is_404(
    encounter, walk, staff, other_clinic
) -> None:
    walk(encounter, S.PROCESSING)
    lot = scenario.kit_lot_for(encounter.clinic)
    KitLot.objects.filter(pk=lot.pk).update(status="recalled", status_reason="FSN-7")
    api = Api(staff["lab_tech"])
    response = api.post("/lab/processing-runs", _run_body(encounter))
    assert response.status_code == 409 and "recalled" in response.json()["message"]
    foreign = scenario.kit_lot_for(other_clinic)
    response = api.post(
        "/lab/processing-runs", _run_body(encounter, kit_lot_id=str(foreign.public_id))
    )
    assert response.status_code == 404
    assert not ProcessingRun.objects.exists()


def test_counts_in_thousands_sent_as_cells_per_ul_are_422(encounter, walk, staff) -> None:
    walk(encounter, S.PROCESSING)
    response = Api(staff["lab_tech"]).post(
        "/lab/processing-runs", _run_body(encounter, count_unit="per_ul")
    )
    assert response.status_code == 422
    assert "×10³/µL" in response.json()["errors"]["pre_tnc_per_ul"][0]


def _recorded_run(encounter, walk, staff):
    walk(encounter, S.PROCESSING)
    data = scenario.run_data(encounter.clinic)
    return scenario.services.processing_record(encounter=encounter, by=staff["lab_tech"], data=data)


def _release(run, verifier, scans) -> Any:
    return Api(run.performed_by).post(
        f"/lab/processing-runs/{run.public_id}/release",
        {
            "password": PASSWORD,
            "verifier_username": verifier.username,
            "verifier_password": PASSWORD,
            "scans": scans,
        },
    )


def test_the_release_needs_a_clinical_or_lab_verifier_who_scans(encounter, walk, staff) -> None:
    run = _recorded_run(encounter, walk, staff)
    scans = scenario.label_scans(run).split()
    assert _release(run, staff["researcher"], scans).status_code == 422
    assert _release(run, staff["front_desk"], scans).status_code == 422
    assert _release(run, staff["lab_tech"], scans).status_code == 422
    syringe = run.syringes.get()
    typed = [syringe.din + syringe.check_char, syringe.product_code]
    response = _release(run, staff["nurse"], typed)
    assert response.status_code == 422 and "typed, not scanned" in str(response.json())
    response = _release(run, staff["nurse"], scans)
    assert response.status_code == 200 and response.json()["verification"] == "second_person_scan"


def test_a_hand_off_needs_the_receivers_password(encounter, walk, staff) -> None:
    run = _recorded_run(encounter, walk, staff)
    scenario.release(run, staff, PASSWORD)
    syringe = run.syringes.get()
    body = {
        "din_scan": scenario.scanned(syringe),
        "to_location": "procedure_room",
        "receiver_username": staff["nurse"].username,
        "receiver_password": "not-it",
        "seal_intact": True,
    }
    api = Api(staff["lab_tech"])
    assert api.post("/lab/custody-scans", body).status_code == 409
    response = api.post("/lab/custody-scans", {**body, "receiver_password": PASSWORD})
    assert response.status_code == 201
    assert (response.json()["receipt"], response.json()["entry_method"]) == ("password", "scanned")
    back = Api(staff["physician"]).post(
        f"/lab/containers/{syringe.public_id}/return", {"reason": "Not needed at this site"}
    )
    assert back.status_code == 201 and back.json()["to_location"] == "in_transit"


def test_the_containers_of_one_donation_share_its_din(encounter, walk, staff, outsider) -> None:
    walk(encounter, S.RELEASED)
    din = scenario.syringe(encounter).din
    rows = Api(staff["lab_tech"]).get(f"/lab/specimens/{din}").json()["items"]
    assert [(r["kind"], r["product_code"]) for r in rows] == [
        ("aspirate", "DBMA1100"),
        ("concentrate", "DBMC1100"),
    ]
    assert Api(outsider).get(f"/lab/specimens/{din}").status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "other", "value": "x" * 10_000, "unit": "u"},
        {"kind": "other", "value": "1", "unit": "u" * 10_000},
        {"kind": "cd34", "value": "1", "note": "n" * 10_000},
        {"kind": "cd34", "value": 12},
        {"kind": "cd34", "value": "abc"},
        {"kind": "cfu_f", "sample": "concentrate", "colonies": "x", "cells_plated": 10},
        {"kind": "nonsense", "value": "1"},
        {"kind": "other", "value": "a\u202eb", "unit": "u"},
    ],
)
def test_late_results_refuse_long_or_mistyped_fields_with_422(encounter, walk, staff, body) -> None:
    # Issue 11, item 8: 10,000 characters were stored on SQLite and gave 500 on PostgreSQL.
    walk(encounter, S.RELEASED)
    response = Api(staff["lab_tech"]).post(
        f"/lab/processing-runs/{encounter.run.public_id}/late-results", body
    )
    assert response.status_code == 422, response.content
    assert response.json()["errors"]
    assert not LateResult.objects.exists()


def test_lab_endpoints_refuse_outsiders_and_roles_without_the_permission(
    encounter, walk, staff, outsider, make_user, other_clinic
) -> None:
    walk(encounter, S.RELEASED)
    outsider_lab = make_user("lab_tech", at=other_clinic)
    run = encounter.run
    syringe = scenario.syringe(encounter)
    late = f"/lab/processing-runs/{run.public_id}/late-results"
    assert Api(outsider).get(f"/lab/processing-runs/{run.public_id}").status_code == 404
    assert Api(outsider_lab).post(late, {"kind": "cd34", "value": "1"}).status_code == 404
    assert Api(staff["nurse"]).post(late, {"kind": "cd34", "value": "1"}).status_code == 403
    returned = f"/lab/containers/{syringe.public_id}/return"
    assert Api(outsider).post(returned, {"reason": "x y z"}).status_code == 404
    assert Api(staff["researcher"]).post(returned, {"reason": "x y z"}).status_code == 403

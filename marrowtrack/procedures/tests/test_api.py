"""The procedure-day and lab API: the swap refusal, role checks and the outsider's 404."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from marrowtrack.accounts.services import api_token_issue
from marrowtrack.audit.models import AuditEvent
from marrowtrack.procedures.models import Injection
from marrowtrack.procedures.states import ProcedureState as S
from marrowtrack.testing import scenario
from marrowtrack.testing.factories import PASSWORD, PatientFactory

pytestmark = pytest.mark.django_db


class Api:
    def __init__(self, user: Any) -> None:
        _, secret = api_token_issue(user=user)
        self.client, self.headers = Client(), {"Authorization": f"Bearer {secret}"}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params, headers=self.headers)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.post(
            f"/api/v1{path}", body, content_type="application/json", headers=self.headers
        )


def _bedside_body(encounter: Any, din: str) -> dict[str, Any]:
    return {
        "password": PASSWORD,
        "second_username": "",
        "second_password": PASSWORD,
        "wristband_scan": encounter.patient.mrn,
        "syringe_scan": din,
        "target": encounter.plan.target,
        "laterality": encounter.plan.laterality,
        "patient_confirmed_identity": True,
    }


def test_the_api_refuses_a_swapped_syringe_and_keeps_the_refusal(
    clinic, staff, walk, encounter
) -> None:
    other = scenario.check_in(
        scenario.approved_plan(PatientFactory(clinic=clinic), by=staff["physician"]), staff["nurse"]
    )
    walk(encounter, S.RELEASED)
    walk(other, S.RELEASED)
    body = {
        **_bedside_body(encounter, scenario.scanned(scenario.syringe(other))),
        "second_username": staff["nurse"].username,
    }
    response = Api(staff["physician"]).post(
        f"/procedures/encounters/{encounter.public_id}/bedside-verifications", body
    )
    assert response.status_code == 409
    assert "ANOTHER PATIENT" in response.json()["message"]
    assert AuditEvent.objects.filter(
        action="refused", patient_id=str(encounter.patient.public_id)
    ).exists()
    response = Api(staff["physician"]).post(
        f"/procedures/encounters/{encounter.public_id}/injections",
        {
            "syringe_scan": scenario.scanned(scenario.syringe(other)),
            "target": "knee",
            "laterality": "left",
            "guidance": "us",
            "volume_ml": "5",
            "started_at": "2030-01-01T10:00:00Z",
            "ended_at": "2030-01-01T10:05:00Z",
        },
    )
    assert response.status_code == 409
    assert not Injection.objects.exists()


def test_the_api_runs_a_day_through_transitions_and_exposes_products(clinic, staff, plan) -> None:
    nurse = Api(staff["nurse"])
    created = nurse.post(
        "/procedures/encounters",
        {
            "plan_id": str(plan.public_id),
            "typed_name": plan.patient.full_name,
            "typed_dob": str(plan.patient.date_of_birth),
            "temperature_c": "36.8",
        },
    )
    assert created.status_code == 201, created.content
    public_id = created.json()["id"]
    step = nurse.post(
        f"/procedures/encounters/{public_id}/transitions",
        {
            "to": "pre_assessed",
            "data": dict.fromkeys(
                [
                    "vitals_recorded",
                    "medications_reviewed",
                    "pregnancy_status",
                    "eligibility_confirmed",
                ],
                True,
            ),
        },
    )
    assert step.status_code == 200 and step.json()["state"] == "pre_assessed"
    again = nurse.post(f"/procedures/encounters/{public_id}/transitions", {"to": "pre_assessed"})
    assert again.status_code == 409 and "already at Pre-assessed" in again.json()["message"]
    skip = Api(staff["physician"]).post(
        f"/procedures/encounters/{public_id}/transitions", {"to": "harvesting"}
    )
    assert skip.status_code == 409
    lab = Api(staff["lab_tech"]).post(
        f"/procedures/encounters/{public_id}/transitions", {"to": "consented"}
    )
    assert lab.status_code == 403
    assert nurse.get("/procedures/encounters").json()["items"][0]["id"] == public_id
    assert nurse.get("/lab/products").status_code == 200


def test_time_out_through_the_api_needs_every_signature(staff, walk, encounter) -> None:
    walk(encounter, S.SITE_MARKED)
    body = {
        "to": "timeout_1",
        "data": {
            "checklist": dict.fromkeys(
                [
                    "two_identifiers",
                    "consent",
                    "site_and_side",
                    "allergies",
                    "anticoagulation",
                    "imaging",
                ],
                True,
            ),
            "prep_agent": "chlorhexidine",
        },
        "signers": [
            {"username": staff["physician"].username, "password": PASSWORD},
            {"username": staff["nurse"].username, "password": "wrong"},
        ],
    }
    api = Api(staff["physician"])
    refused = api.post(f"/procedures/encounters/{encounter.public_id}/transitions", body)
    assert refused.status_code == 409
    body["signers"][1]["password"] = PASSWORD
    assert (
        api.post(f"/procedures/encounters/{encounter.public_id}/transitions", body).json()["state"]
        == "timeout_1"
    )


def test_the_lab_api_releases_and_traces_and_appends_late_results(staff, walk, encounter) -> None:
    walk(encounter, S.DISCHARGED)
    lab = Api(staff["lab_tech"])
    run = encounter.run
    assert lab.get(f"/lab/processing-runs/{run.public_id}").json()["status"] == "released"
    late = lab.post(
        f"/lab/processing-runs/{run.public_id}/late-results",
        {"kind": "cfu_f", "sample": "concentrate", "colonies": 18, "cells_plated": 1_000_000},
    )
    assert late.status_code == 201 and late.json()["value"] == "2700"
    rows = lab.get("/lab/traceability", kit_lot="kit-a17").json()["items"]
    assert [r["patient_mrn"] for r in rows] == [encounter.patient.mrn]
    assert lab.get("/lab/traceability", anticoagulant_lot="ACD-2291").json()["items"]
    assert lab.get("/lab/traceability", centrifuge="Centrifuge T").json()["items"]
    assert lab.get("/lab/traceability", kit_lot="nope").json()["items"] == []
    specimens = lab.get("/lab/specimens", encounter_id=str(encounter.public_id)).json()["items"]
    assert {s["kind"] for s in specimens} == {"aspirate", "concentrate"}


def test_an_outsider_gets_404_everywhere(outsider, staff, walk, encounter) -> None:
    walk(encounter, S.RELEASED)
    api = Api(outsider)
    din = scenario.syringe(encounter).din
    assert api.get(f"/procedures/encounters/{encounter.public_id}").status_code == 404
    assert (
        api.post(
            f"/procedures/encounters/{encounter.public_id}/transitions",
            {"to": "aborted", "data": {"reason": "x"}},
        ).status_code
        == 404
    )
    assert (
        api.post(
            f"/procedures/encounters/{encounter.public_id}/bedside-verifications",
            _bedside_body(encounter, scenario.scanned(scenario.syringe(encounter))),
        ).status_code
        == 404
    )
    assert api.get(f"/lab/specimens/{din}").status_code == 404
    assert api.get(f"/lab/processing-runs/{encounter.run.public_id}").status_code == 404
    assert api.get("/lab/specimens", encounter_id=str(encounter.public_id)).status_code == 404


def test_a_researcher_may_not_see_procedure_days(staff, encounter) -> None:
    api = Api(staff["researcher"])
    assert api.get(f"/procedures/encounters/{encounter.public_id}").status_code == 403
    assert api.get("/lab/traceability", kit_lot="X").status_code == 403

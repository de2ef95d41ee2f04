"""Outcomes API: the scoring calculator (422 names the item), roles (403), outsiders (404)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import time_machine
from django.test import Client

from marrowtrack.accounts.models import User
from marrowtrack.outcomes.models import SurveyResponse
from marrowtrack.outcomes.tests.factories import PAPER, make_plan
from marrowtrack.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db
BASE = "/api/v1/outcomes"


class Api:
    def __init__(self, user: User | None) -> None:
        self.client = Client()
        self.headers = {}
        if user is not None:
            token = self.client.post(
                "/api/v1/auth/token",
                {"username": user.username, "password": PASSWORD},
                content_type="application/json",
            ).json()["token"]
            self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str) -> Any:
        return self.client.get(f"{BASE}{path}", headers=self.headers)

    def post(self, path: str, body: Any) -> Any:
        return self.client.post(
            f"{BASE}{path}", body, content_type="application/json", headers=self.headers
        )


def test_scoring_one_answer_set_returns_scores_and_reasons(staff):
    response = Api(staff["nurse"]).post("/score/KOOS_JR", {"S6": 1, "P2": 1, "P3": 1})
    assert response.status_code == 200
    assert response.json() == {
        "total": None,
        "reasons": ["total: 3 of 7 items answered, 7 needed"],
    }


def test_scoring_an_array_returns_one_result_per_answer_set(staff):
    response = Api(staff["researcher"]).post("/score/NPRS", [{"NPRS": 3}, {"NPRS": None}])
    assert [r["total"] for r in response.json()] == [3, None]


def test_an_out_of_range_answer_gives_422_naming_the_item(staff):
    response = Api(staff["nurse"]).post("/score/KOOS", [{"P1": 1}, {"S4": 5}])
    assert response.status_code == 422
    assert response.json()["errors"] == {"S4": ["answer set 1: 5 is outside 0-4"]}


def test_an_unknown_item_gives_422_naming_it(staff):
    response = Api(staff["nurse"]).post("/score/NPRS", {"XYZ": 1})
    assert response.status_code == 422
    assert "XYZ" in response.json()["errors"]


def test_an_unknown_instrument_is_404_and_the_list_names_every_instrument(staff):
    api = Api(staff["nurse"])
    assert api.post("/score/NOPE", {}).status_code == 404
    codes = [d["code"] for d in api.get("/instruments").json()["items"]]
    assert "KOOS" in codes and "EQ5D5L" in codes and "PGIC" in codes


def test_the_lab_cannot_use_the_calculator_and_anonymous_callers_get_401(staff):
    assert Api(staff["lab_tech"]).post("/score/NPRS", {"NPRS": 1}).status_code == 403
    assert Api(None).post("/score/NPRS", {"NPRS": 1}).status_code == 401


def test_followups_of_a_plan_show_statuses_and_an_outsider_gets_404(patient, staff, outsider):
    plan = make_plan(patient, staff["physician"])
    with time_machine.travel("2026-01-30 09:00-05:00", tick=False):
        rows = Api(staff["nurse"]).get(f"/plans/{plan.public_id}/followups").json()["items"]
        assert Api(outsider).get(f"/plans/{plan.public_id}/followups").status_code == 404
    assert {r["timepoint"]: r["status"] for r in rows}["2w"] == "missed"
    assert Api(staff["lab_tech"]).get(f"/plans/{plan.public_id}/followups").status_code == 403


@time_machine.travel("2026-01-25 10:00-05:00", tick=False)
def test_transcribe_then_verify_through_the_api(patient, staff, outsider):
    plan = make_plan(patient, staff["physician"])
    body = {
        "instrument": "NPRS",
        "answers": {"NPRS": 5},
        "answered_on": "2026-01-22",
        "wording": "licensed_paper",
        "form_version": "NPRS paper form 2024",
    }
    assert Api(outsider).post(f"/plans/{plan.public_id}/responses", body).status_code == 404
    created = Api(staff["front_desk"]).post(f"/plans/{plan.public_id}/responses", body)
    assert created.status_code == 201, created.content
    public_id = created.json()["id"]
    assert Api(staff["front_desk"]).post(f"/responses/{public_id}/verify", {}).status_code == 403
    assert Api(outsider).post(f"/responses/{public_id}/verify", {}).status_code == 404
    verified = Api(staff["nurse"]).post(f"/responses/{public_id}/verify", {})
    assert verified.json()["status"] == "submitted"
    assert verified.json()["timepoint"] == "2w"
    assert verified.json()["form_version"] == "NPRS paper form 2024"
    assert verified.json()["validated_wording"] is True


@time_machine.travel("2026-01-25 10:00-05:00", tick=False)
def test_a_transcription_must_name_the_form_it_was_written_on(patient, staff):
    plan = make_plan(patient, staff["physician"])
    body = {"instrument": "NPRS", "answers": {"NPRS": 5}, "answered_on": "2026-01-22"}
    api = Api(staff["nurse"])
    assert api.post(f"/plans/{plan.public_id}/responses", body).status_code == 422
    paper = {**body, "wording": "licensed_paper", "form_version": " "}
    refused = api.post(f"/plans/{plan.public_id}/responses", paper)
    assert refused.status_code == 422 and "form_version" in refused.json()["errors"]
    ours = api.post(f"/plans/{plan.public_id}/responses", {**body, "wording": "product_labels"})
    assert ours.status_code == 201
    assert ours.json()["validated_wording"] is False
    assert ours.json()["form_version"].startswith("MarrowTrack product labels")
    assert SurveyResponse.objects.get().wording == "product_labels"


def test_transcribing_a_bad_answer_gives_422_naming_the_item(patient, staff):
    plan = make_plan(patient, staff["physician"])
    body = {
        "instrument": "KOOS",
        "answers": {"Q1": 7},
        "answered_on": "2026-01-22",
        "wording": "licensed_paper",
        "form_version": "KOOS LK1.0",
    }
    response = Api(staff["nurse"]).post(f"/plans/{plan.public_id}/responses", body)
    assert response.status_code == 422
    assert "Q1" in response.json()["errors"]
    assert not SurveyResponse.objects.exists()


def test_responders_report_change_from_baseline(patient, staff):
    from marrowtrack.outcomes.services.responses import response_transcribe, response_verify

    plan = make_plan(patient, staff["physician"])
    for day, value in ((date(2026, 1, 5), 6), (date(2026, 1, 22), 4)):
        with time_machine.travel(f"{day} 12:00-05:00", tick=False):
            r = response_transcribe(
                plan=plan,
                instrument="NPRS",
                answers={"NPRS": value},
                answered_on=day,
                by=staff["nurse"],
                form=PAPER,
            )
            response_verify(response=r, by=staff["physician"])
    rows = Api(staff["physician"]).get(f"/plans/{plan.public_id}/responders").json()["items"]
    # 6 -> 4: improvement 2 points (>= 2) -> meaningful; 33.33 % of baseline
    assert rows[0]["timepoint"] == "2w"
    change = rows[0]["changes"][0]
    assert (change["change"], change["percent_improvement"], change["meaningful"]) == (
        -2,
        33.33,
        True,
    )

"""FHIR test helpers: a client holding a bearer token, and a patient's whole procedure day."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from marrowtrack.accounts.models import User
from marrowtrack.accounts.services import api_token_issue
from marrowtrack.core import clock
from marrowtrack.outcomes.models import SurveyResponse
from marrowtrack.outcomes.scoring import score_json
from marrowtrack.procedures.states import ProcedureState
from marrowtrack.testing import scenario
from marrowtrack.testing.factories import PASSWORD

BASE = "/fhir/r4"


class Fhir:
    """Requests to the FHIR server, authenticated with a token issued to `user` (if any)."""

    def __init__(self, user: User | None) -> None:
        self.client = Client()
        self.headers = {}
        if user is not None:
            _, secret = api_token_issue(user=user)
            self.headers["Authorization"] = f"Bearer {secret}"

    def get(self, path: str, headers: dict[str, str] | None = None, **params: Any) -> Any:
        return self.client.get(f"{BASE}{path}", params, headers={**self.headers, **(headers or {})})

    def post(self, path: str, body: str, content_type: str = "application/fhir+ndjson") -> Any:
        return self.client.post(
            f"{BASE}{path}", body, content_type=content_type, headers=self.headers
        )

    def delete(self, path: str) -> Any:
        return self.client.delete(f"{BASE}{path}", headers=self.headers)


@pytest.fixture
def fhir() -> Callable[[User | None], Fhir]:
    return Fhir


@pytest.fixture
def treated(patient: Any, staff: dict[str, User]) -> Any:
    """The patient's procedure day walked through the real services to discharge, with an
    NPRS answered after it."""
    plan = scenario.approved_plan(patient, by=staff["physician"])
    encounter = scenario.check_in(plan, staff["nurse"])
    scenario.walk_to(encounter, ProcedureState.DISCHARGED, staff, PASSWORD)
    scores, rule = score_json("NPRS", {"NPRS": 6})
    SurveyResponse.objects.create(
        plan=plan,
        patient=patient,
        instrument="NPRS",
        instrument_version="0-10 NRS",
        answers={"NPRS": 6},
        scores=scores,
        rule_version=rule,
        answered_at=clock.now(),
        source=SurveyResponse.Source.PORTAL,
        status=SurveyResponse.Status.SUBMITTED,
    )
    encounter.refresh_from_db()
    return encounter

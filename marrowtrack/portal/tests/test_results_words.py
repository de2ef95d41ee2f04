"""The patient's results page speaks in words, and the survey list offers the open baseline
(issue 9, item 12)."""

from __future__ import annotations

import re

import pytest

from marrowtrack.core import clock
from marrowtrack.intake.contentlint import lint_html
from marrowtrack.outcomes.models import SurveyResponse
from marrowtrack.outcomes.scoring import score_json
from marrowtrack.outcomes.services.followups import baseline_open
from marrowtrack.outcomes.tests.factories import koos_answers
from marrowtrack.testing import scenario

pytestmark = pytest.mark.django_db


def _answered_koos(plan, timepoint: str = "baseline") -> SurveyResponse:
    scores, version = score_json("KOOS", koos_answers(1))
    return SurveyResponse.objects.create(
        plan=plan,
        patient=plan.patient,
        timepoint=timepoint,
        instrument="KOOS",
        instrument_version="KOOS LK1.0",
        answers=koos_answers(1),
        scores=scores,
        status=SurveyResponse.Status.SUBMITTED,
        answered_at=clock.now(),
        source="portal",
    )


def test_the_results_page_shows_scores_in_words_never_raw_keys(patient, staff, portal_client):
    plan = scenario.approved_plan(patient, by=staff["physician"])
    _answered_koos(plan)
    page = portal_client(patient).get("/portal/results/").content.decode()
    assert "Sport and recreation:" in page and "Daily activities:" in page
    assert "75 on a scale from 0 to 100 (higher is better)" in page
    for raw in ("sport_rec", "adl", "qol", "reasons", "WOMAC"):
        assert not re.search(rf"\b{raw}\b", page), raw
    assert "Before your treatment" in page  # answered before treatment, still shown
    assert not lint_html(page)


def test_the_survey_list_offers_the_open_baseline_before_treatment(patient, staff, portal_client):
    plan = scenario.approved_plan(patient, by=staff["physician"])
    baseline = baseline_open(plan=plan, by=staff["physician"])
    page = portal_client(patient).get("/portal/surveys/").content.decode()
    assert f"/portal/surveys/{baseline.public_id}/start/" in page
    assert "Before your treatment" in page and "Open until your treatment starts." in page


def test_the_baseline_leaves_the_list_once_the_procedure_has_started(patient, staff, portal_client):
    plan = scenario.approved_plan(patient, by=staff["physician"])
    baseline = baseline_open(plan=plan, by=staff["physician"])
    scenario.check_in(plan, staff["nurse"])
    page = portal_client(patient).get("/portal/surveys/").content.decode()
    assert str(baseline.public_id) not in page

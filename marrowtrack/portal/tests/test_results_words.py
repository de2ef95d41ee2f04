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


def _answered_eq5d(plan, timepoint: str, index: float, day) -> SurveyResponse:
    return SurveyResponse.objects.create(
        plan=plan,
        patient=plan.patient,
        timepoint=timepoint,
        instrument="EQ5D5L",
        instrument_version="EQ-5D-5L",
        answers={},
        scores={"EQ5D5L": {"index_us": index, "index_england": index, "vas": 40.0, "reasons": []}},
        status=SurveyResponse.Status.SUBMITTED,
        answered_at=day,
        source="portal",
    )


def test_the_results_page_charts_real_dates_on_a_scale_holding_an_index_below_zero(
    patient, staff, portal_client
):
    plan = scenario.approved_plan(patient, by=staff["physician"])
    first = clock.now().replace(year=2026, month=3, day=2, hour=10)
    _answered_eq5d(plan, "baseline", -0.25, first)
    _answered_eq5d(plan, "6w", 0.61, first.replace(month=4, day=14))
    page = portal_client(patient).get("/portal/results/").content.decode()
    svg = page[page.index("<svg") : page.index("</svg>")]
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert "Date answered" in texts
    assert any(re.fullmatch(r"\d{1,2} (Mar|Apr) 2026", text) for text in texts), texts
    assert "\u22120.4" in texts  # the y axis reaches below zero: -0.25 is drawn, not cut off
    assert {"Baseline", "6 weeks"} <= set(texts)
    assert "index_us" not in page and "EQ5D5L" not in page

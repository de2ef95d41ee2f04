"""The dashboard on a clinic's registry: counts, follow-up, change, meaningful change,
excluded data and the toggle, adverse events, re-interventions, filters, other clinics."""

from __future__ import annotations

import numpy as np
import pytest
import time_machine

from marrowtrack.analytics.dashboard import Filters, dashboard_compute
from marrowtrack.analytics.readmodel import registry_build
from marrowtrack.analytics.tests.registry import (
    TODAY,
    adverse_event,
    plan_with,
    reintervention,
    score,
)

pytestmark = pytest.mark.django_db

BMAC_3M = [3, 5, 4, 7, 2, 6]  # baseline 7 each: improvements 4, 2, 3, 0, 5, 1


@pytest.fixture
def registry_data(clinic, staff, other_clinic, make_user):
    doc = staff["physician"]
    plans = []
    for value in BMAC_3M:
        plan = plan_with(clinic, doc)
        score(plan, "baseline", 7)
        score(plan, "3m", value)
        plans.append(plan)
    male = plan_with(clinic, doc, sex="male")
    score(male, "baseline", 8)
    score(male, "3m", 8, wording="product_labels")  # unvalidated wording
    late = plan_with(clinic, doc)
    score(late, "baseline", 6)
    score(late, "3m", 1, in_window=False)  # out of window
    typed = plan_with(clinic, doc)
    score(typed, "baseline", 6)
    score(typed, "3m", 2, status="awaiting_verification")  # not verified
    csi = plan_with(clinic, doc, treatment="csi")
    score(csi, "baseline", 6)
    score(csi, "3m", 5)
    adverse_event(plans[0], staff["nurse"])
    adverse_event(plans[1], staff["nurse"], event_type="infection", serious=True)
    reintervention(plans[2], doc, days=200)
    elsewhere = plan_with(other_clinic, make_user("physician", at=other_clinic))
    score(elsewhere, "baseline", 9)
    score(elsewhere, "3m", 0)
    return plans


def _board(clinic, **filters):
    with time_machine.travel(TODAY, tick=False):
        registry = registry_build(clinic=clinic)
    return dashboard_compute(registry, Filters(condition="knee_oa", **filters))


def _at(board, treatment, timepoint):
    figures = next(t for t in board.treatments if t.treatment == treatment)
    return figures, next(tp for tp in figures.timepoints if tp.timepoint == timepoint)


def test_only_valid_data_count_and_every_left_out_score_is_counted_with_its_reason(
    registry_data, clinic
):
    board = _board(clinic)
    bmac, at_3m = _at(board, "bmac", "3m")
    assert bmac.treated == 9
    assert at_3m.analysed == 6
    gains = [7 - v for v in BMAC_3M]
    assert at_3m.mean.mean == pytest.approx(np.mean(gains))
    assert at_3m.median.median == pytest.approx(np.median(gains))
    assert board.excluded == {"unverified": 1, "unvalidated wording": 1, "out of window": 1}
    assert at_3m.excluded == {"unverified": 1, "unvalidated wording": 1, "out of window": 1}


def test_including_excluded_data_puts_them_back(registry_data, clinic):
    _, at_3m = _at(_board(clinic, include_excluded=True), "bmac", "3m")
    assert at_3m.analysed == 9


def test_meaningful_change_uses_the_nprs_rule_both_2_points_and_30_percent(registry_data, clinic):
    _, at_3m = _at(_board(clinic), "bmac", "3m")
    # 4, 2, 3 and 5 points from 7 reach both (2/7 = 28.6 % does not: 2 is not 30 %).
    assert (at_3m.mcid.k, at_3m.mcid.n) == (3, 6)


def test_follow_up_counts_the_completed_of_those_due(registry_data, clinic):
    _, at_3m = _at(_board(clinic), "bmac", "3m")
    # Due: all 9 windows closed; completed: the 7 answered in the window and submitted.
    assert at_3m.due == 9
    assert at_3m.followed_up == 7
    assert at_3m.lost == 2


def test_adverse_events_per_100_procedures(registry_data, clinic):
    bmac, _ = _at(_board(clinic), "bmac", "3m")
    assert bmac.adverse_any.events == 2
    assert bmac.adverse_any.rate == pytest.approx(200 / 9)
    assert bmac.adverse_serious.events == 1
    assert set(bmac.adverse_by_type) == {"haematoma", "infection"}


def test_time_to_reintervention_counts_the_surgery(registry_data, clinic):
    bmac, _ = _at(_board(clinic), "bmac", "3m")
    any_kind = next(c for c in bmac.survival if c.kind == "")
    surgery = next(c for c in bmac.survival if c.kind == "surgery")
    injection = next(c for c in bmac.survival if c.kind == "repeat_injection")
    assert (any_kind.events, surgery.events, injection.events) == (1, 1, 0)
    assert any_kind.marks["12 months"].survival < 1


def test_the_comparator_is_its_own_row(registry_data, clinic):
    csi, at_3m = _at(_board(clinic), "csi", "3m")
    assert csi.treated == 1 and at_3m.analysed == 1 and at_3m.mean.low is None


def test_filters_narrow_the_cohort(registry_data, clinic):
    board = _board(clinic, sex="male", include_excluded=True)
    bmac, at_3m = _at(board, "bmac", "3m")
    assert bmac.treated == 1 and at_3m.analysed == 1
    assert not _board(clinic, age_band="18-39").treatments


def test_another_clinics_patients_never_count(registry_data, clinic, other_clinic):
    bmac, _ = _at(_board(clinic), "bmac", "3m")
    assert bmac.treated == 9
    theirs, at_3m = _at(_board(other_clinic), "bmac", "3m")
    assert theirs.treated == 1 and at_3m.mean.mean == 9

"""The columnar read model against the rows it replaces, on a generated registry: the scores
the database picks out of the JSON are the JSON's own, and every dashboard figure equals the
one a row-by-row reading computes (the reading the dashboard did before it went columnar)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
import time_machine

from marrowtrack.analytics.dashboard import (
    FOLLOW_UP_TIMEPOINTS,
    Filters,
    dashboard_compute,
    improvement_of,
)
from marrowtrack.analytics.readmodel import (
    asked_instruments,
    registry_build,
    scores_shown,
)
from marrowtrack.analytics.tests.registry import OFFSET, TODAY, plan_with
from marrowtrack.outcomes import analysis
from marrowtrack.outcomes.models import FollowUp, SurveyResponse
from marrowtrack.outcomes.registry_scores import KEPT_SCORES, kept_column
from marrowtrack.outcomes.selectors import (
    registry_followup_texts,
    registry_followups,
    registry_score_texts,
)

pytestmark = pytest.mark.django_db

CONDITIONS = (("knee_oa", "knee"), ("other", "hip"), ("low_back_pain", "lumbar_spine"))


def _answer(plan, timepoint, instrument, scores, rng, *, again=False):
    day = plan.treated_on + timedelta(days=OFFSET[timepoint])
    at = datetime.combine(day, time(12), ZoneInfo(plan.patient.clinic.timezone))
    roll = rng.random()
    status = "awaiting_verification" if roll < 0.08 else "submitted"
    wording = "product_labels" if 0.08 <= roll < 0.14 else "licensed_paper"
    in_window = not 0.14 <= roll < 0.2
    followup = None if again else FollowUp.objects.filter(plan=plan, timepoint=timepoint).first()
    if followup is not None and in_window and status == "submitted":
        FollowUp.objects.filter(pk=followup.pk).update(status="completed", completed_at=at)
    SurveyResponse.objects.create(
        plan=plan,
        patient=plan.patient,
        followup=followup if in_window else None,
        instrument=instrument,
        instrument_version="test",
        answers={},
        answered_at=at,
        timepoint=timepoint if in_window else None,
        asked_for=timepoint,
        source="staff_transcribed",
        scores=scores,
        status=status,
        wording=wording,
    )


@pytest.fixture
def generated(clinic, staff):
    """Plans of three conditions and two treatments; NPRS, KOOS (with its derived WOMAC),
    WOMAC asked in its own right and PGA at baseline and follow-ups, some left out for each
    reason, some answered twice, some with a null, a boolean or a list where a number goes."""
    rng = np.random.default_rng(7)
    for i in range(24):
        condition, target = CONDITIONS[i % 3]
        plan = plan_with(
            clinic,
            staff["physician"],
            treatment="bmac" if i % 4 else "csi",
            condition=condition,
            target=target,
        )
        for timepoint in ("baseline", "6w", "3m", "6m", "12m"):
            if timepoint != "baseline" and rng.random() < 0.25:
                continue  # lost to follow-up
            nprs = int(rng.integers(0, 11))
            _answer(plan, timepoint, "NPRS", {"NPRS": {"total": nprs, "reasons": []}}, rng)
            pain, function = (
                float(rng.integers(0, 21) * 5),
                round(rng.integers(0, 69) * 100 / 68, 2),
            )
            womac = {"pain": pain, "function": function, "total": 47.22, "reasons": []}
            koos = {"KOOS": {"pain": 100 - pain, "qol": 43.75}, "WOMAC": womac}
            _answer(plan, timepoint, "KOOS", koos, rng)
            if rng.random() < 0.3:  # WOMAC asked as well: it wins over the derived one
                own = {**womac, "pain": float(rng.integers(0, 21) * 5)}
                _answer(plan, timepoint, "WOMAC", {"WOMAC": own}, rng)
            pga = [float(rng.integers(0, 101)), None, True][int(rng.choice(3, p=[0.8, 0.1, 0.1]))]
            _answer(plan, timepoint, "PGA", {"PGA": {"total": pga}}, rng)
            if rng.random() < 0.1:  # answered twice
                _answer(plan, timepoint, "NPRS", {"NPRS": {"total": nprs - 1}}, rng, again=True)


def _build(clinic, **kwargs):
    with time_machine.travel(TODAY, tick=False):
        return registry_build(
            clinic=clinic, instruments=asked_instruments("NPRS", oarsi=True), **kwargs
        )


def _entries(registry, pairs):
    return Counter(
        (r.plan_id, r.instrument, r.asked, r.score_key, r.timepoint, r.value, r.excluded)
        for r in registry.scores
        if (r.instrument, r.score_key) in pairs
    )


def test_the_scores_the_database_picks_out_are_the_json_scores(generated, clinic):
    pairs = scores_shown("NPRS", "total", oarsi=True)
    whole, narrow = _build(clinic), _build(clinic, scores=pairs)
    assert _entries(narrow, pairs) == _entries(whole, pairs)
    assert len(narrow.score_columns) > 300
    assert narrow.last_contact == whole.last_contact and whole.last_contact


def _kept_equal_the_json() -> int:
    """Every response's kept score columns against its scores JSON: the same double when the
    JSON holds a number, None otherwise. Returns how many numbers were compared."""
    columns = [kept_column(code, key) for code, key in KEPT_SCORES]
    compared = 0
    for scores, *kept in SurveyResponse.objects.values_list("scores", *columns):
        for (code, key), text in zip(KEPT_SCORES, kept, strict=True):
            value = (scores.get(code) or {}).get(key) if isinstance(scores, dict) else None
            number = isinstance(value, int | float) and not isinstance(value, bool)
            assert (text is None) == (not number), (code, key, value, text)
            if number:
                assert float(text) == value  # the same double as json.loads reads
                compared += 1
    return compared


TRICKY = (0.30000000000000004, 1e-07, 123456789.12345679, 2.5e-300, 99.99999999999999, -7, 0)


def test_the_kept_score_columns_equal_the_json_on_insert_and_update(generated):
    assert _kept_equal_the_json() > 200
    responses = list(SurveyResponse.objects.order_by("pk")[: len(TRICKY) * 2])
    for response, value in zip(responses, TRICKY * 2, strict=True):
        response.scores = {"NPRS": {"total": value}, "WOMAC": {"pain": value, "function": True}}
        response.save()
    SurveyResponse.objects.filter(instrument="PGA").update(scores={"PGA": {"total": "12"}})
    SurveyResponse.objects.filter(instrument="NPRS").update(scores=["not", "an", "object"])
    assert _kept_equal_the_json() >= len(TRICKY) * 2
    assert not SurveyResponse.objects.filter(score_pga_total__isnull=False).exists()


def test_a_time_point_holding_the_separator_is_read_row_by_row(generated, clinic):
    SurveyResponse.objects.filter(timepoint="6m").update(timepoint="6m,late", asked_for="6m,late")
    pairs = scores_shown("NPRS", "total", oarsi=True)
    assert registry_score_texts(clinic=clinic, scores=pairs) is None
    whole, narrow = _build(clinic), _build(clinic, scores=pairs)
    assert _entries(narrow, pairs) == _entries(whole, pairs)
    assert any(r.timepoint == "6m,late" for r in narrow.scores)


def _followups_equal_their_rows(registry, clinic) -> None:
    rows = list(registry_followups(clinic=clinic, today=registry.today))
    assert len(rows) > 50
    columns = registry.followups
    read = zip(columns.plan_id.tolist(), columns.timepoint, columns.status, strict=True)
    assert sorted(read) == sorted(rows)


def test_the_follow_ups_read_as_texts_equal_their_rows(generated, clinic):
    registry = _build(clinic)
    assert registry_followup_texts(clinic=clinic, today=registry.today) is not None
    _followups_equal_their_rows(registry, clinic)
    FollowUp.objects.filter(timepoint="6m").update(timepoint="6m,late")
    assert registry_followup_texts(clinic=clinic, today=registry.today) is None
    _followups_equal_their_rows(_build(clinic), clinic)


def _row_by_row(registry, filters):
    """The figures read row by row: {plan: {time point: {instrument: {key: value}}}}, an
    instrument asked in its own right winning over a derived one, the last one read winning
    among equals; then each plan's change and OMERACT-OARSI in a loop."""
    table: dict = defaultdict(lambda: defaultdict(dict))
    for own in (False, True):
        for r in registry.scores:
            if r.timepoint is None or (r.excluded and not filters.include_excluded):
                continue
            if (r.instrument == r.asked) == own:
                table[r.plan_id][r.timepoint].setdefault(r.instrument, {})[r.score_key] = r.value
    figures = {}
    plans = [p for p in registry.plans.values() if p.condition == filters.condition]
    for treatment in {p.treatment for p in plans}:
        group = [p for p in plans if p.treatment == treatment]
        ids = {p.id for p in group}
        left = Counter(
            (r.excluded, r.timepoint)
            for r in registry.scores
            if r.excluded and r.plan_id in ids and (r.instrument, r.score_key) == ("NPRS", "total")
        )
        for timepoint in FOLLOW_UP_TIMEPOINTS:
            gains, hits, oarsi = [], [], []
            for plan in group:
                base, follow = table[plan.id]["baseline"], table[plan.id][timepoint]
                b = base.get("NPRS", {}).get("total")
                f = follow.get("NPRS", {}).get("total")
                if b is not None and f is not None:
                    gain, hit = improvement_of("NPRS", "total", b, f)
                    gains.append(gain)
                    hits.append(hit)
                if base and follow:
                    result, _ = analysis.oarsi_for(base, follow)
                    if result is not None:
                        oarsi.append(result.responder)
            excluded = {reason: left[(reason, timepoint)] for reason, _ in left}
            figures[(treatment, timepoint)] = (
                sorted(gains),
                sum(hits),
                len(hits),
                sum(oarsi),
                len(oarsi),
                excluded,
            )
    return figures


def test_every_dashboard_figure_equals_the_row_by_row_reading(generated, clinic):
    registry = _build(clinic, scores=scores_shown("NPRS", "total", oarsi=True))
    whole = _build(clinic)
    compared = oarsi_seen = 0
    for condition, _ in CONDITIONS:
        for include_excluded in (False, True):
            filters = Filters(condition=condition, include_excluded=include_excluded)
            expected = _row_by_row(whole, filters)
            for treatment in dashboard_compute(registry, filters).treatments:
                for tp in treatment.timepoints:
                    gains, k, n, oarsi_k, oarsi_n, excluded = expected[
                        (treatment.treatment, tp.timepoint)
                    ]
                    assert tp.analysed == len(gains)
                    if gains:
                        assert tp.mean.mean == pytest.approx(float(np.mean(gains)), abs=1e-12)
                        assert tp.median.median == pytest.approx(float(np.median(gains)), abs=1e-12)
                    assert (tp.mcid.k, tp.mcid.n) == (k, n)
                    if condition != "low_back_pain":
                        assert (tp.oarsi.k, tp.oarsi.n) == (oarsi_k, oarsi_n)
                        oarsi_seen += oarsi_n
                    assert {r: c for r, c in tp.excluded.items() if c} == {
                        r: c for r, c in excluded.items() if c
                    }
                    compared += len(gains)
    assert compared > 50 and oarsi_seen > 30

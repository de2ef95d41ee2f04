"""Property tests (Hypothesis) for the calculators and parsers that had only worked examples:
centrifuge speed and force, cell counts, the lidocaine limit, and the REDCap records import.
(ISBT 128 check characters, instrument scoring and the eligibility rules have theirs in their
apps.) Kept here, across apps, while those apps are being reworked."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from marrowtrack.lab import calculations as calc
from marrowtrack.outcomes import redcap
from marrowtrack.outcomes.catalogue import TIMEPOINT_LABELS, redcap_event
from marrowtrack.outcomes.models import SurveyResponse
from marrowtrack.outcomes.services.redcap import records_import
from marrowtrack.outcomes.tests.factories import make_plan
from marrowtrack.procedures import dosing

positive = st.decimals(min_value="0.01", max_value="100000", places=2)
radius = st.decimals(min_value="1", max_value="40", places=2)
rpm = st.integers(min_value=1, max_value=20000)


@given(radius_cm=radius, speed=rpm)
def test_rpm_and_rcf_convert_back_and_forth(radius_cm: Decimal, speed: int) -> None:
    force = calc.rcf_from_rpm(radius_cm=radius_cm, rpm=speed)
    back = calc.rpm_from_rcf(radius_cm=radius_cm, rcf=force)
    assert abs(back - speed) <= Decimal("1e-6") * speed


@given(radius_cm=radius, speed=rpm, faster=st.integers(min_value=1, max_value=1000))
def test_force_grows_with_speed_and_radius(radius_cm: Decimal, speed: int, faster: int) -> None:
    force = calc.rcf_from_rpm(radius_cm=radius_cm, rpm=speed)
    assert calc.rcf_from_rpm(radius_cm=radius_cm, rpm=speed + faster) > force
    assert calc.rcf_from_rpm(radius_cm=radius_cm + 1, rpm=speed) > force


@given(pre=positive, post=positive, pre_ml=positive, post_ml=positive)
def test_recovery_is_the_concentration_factor_times_the_volume_ratio(
    pre: Decimal, post: Decimal, pre_ml: Decimal, post_ml: Decimal
) -> None:
    recovery = calc.recovery_pct(
        concentrate_per_ul=post, concentrate_ml=post_ml, aspirate_per_ul=pre, aspirate_ml=pre_ml
    )
    factor = calc.concentration_factor(concentrate_per_ul=post, aspirate_per_ul=pre)
    assert abs(recovery - factor * post_ml / pre_ml * 100) <= Decimal("1e-12") * recovery


@given(per_ul=positive, volumes=st.lists(positive, min_size=1, max_size=4), spare=positive)
def test_cells_per_target_add_up_and_cannot_exceed_the_concentrate(
    per_ul: Decimal, volumes: list[Decimal], spare: Decimal
) -> None:
    by_target = {f"t{n}": ml for n, ml in enumerate(volumes)}
    total = sum(volumes, Decimal(0))
    cells = calc.cells_delivered_per_target(
        concentrate_per_ul=per_ul, injected_ml_by_target=by_target, concentrate_ml=total + spare
    )
    assert sum(cells.values()) == calc.total_cells(per_ul=per_ul, volume_ml=total)
    with pytest.raises(calc.LabValueError):
        calc.cells_delivered_per_target(
            concentrate_per_ul=per_ul, injected_ml_by_target=by_target, concentrate_ml=total / 2
        )


@given(st.one_of(st.text(max_size=12), st.floats(allow_nan=True, allow_infinity=True)))
def test_a_lab_value_is_a_finite_decimal_or_a_named_refusal(raw: object) -> None:
    try:
        value = calc.to_decimal(raw, "pre_tnc_per_ul")
    except calc.LabValueError as exc:
        assert exc.field == "pre_tnc_per_ul"
    else:
        assert value.is_finite()


entries = st.lists(
    st.builds(
        dosing.LidocaineEntry,
        percent=st.sampled_from([Decimal("0.5"), Decimal("1"), Decimal("2")]),
        ml=st.decimals(min_value="0.5", max_value="40", places=1),
        with_epinephrine=st.booleans(),
    ),
    min_size=1,
    max_size=6,
)


@given(weight=st.decimals(min_value="2", max_value="250", places=1), day=entries)
def test_the_day_never_exceeds_the_label_limit(weight: Decimal, day: list) -> None:
    """Entries accepted one by one never add up past min(kg × 4.5, 300) mg once any is plain,
    or min(kg × 7, 500) mg when all carry epinephrine (US Xylocaine label; decision 0005)."""
    accepted: list[dosing.LidocaineEntry] = []
    for entry in day:
        try:
            check = dosing.check_entry(weight, accepted, entry)
        except dosing.DoseLimitExceeded:
            continue
        accepted.append(entry)
        assert check.remaining_mg == check.limit_mg - check.total_mg >= 0
    total = sum((entry.mg for entry in accepted), Decimal(0))
    any_plain = any(not entry.with_epinephrine for entry in accepted)
    cap = min(weight * Decimal("4.5"), Decimal(300)) if any_plain else min(weight * 7, Decimal(500))
    assert total <= cap


@given(percent=st.decimals(min_value="0.1", max_value="10", places=1), mg=positive)
def test_millilitres_and_milligrams_convert_back_and_forth(percent: Decimal, mg: Decimal) -> None:
    assume(mg > 0)
    assert abs(dosing.mg_from_ml(percent, dosing.ml_from_mg(percent, mg)) - mg) < Decimal("1e-20")


def _csv(rows: list[dict[str, str]]) -> str:
    columns = ["record_id", "redcap_event_name", *(spec.name for spec in redcap.record_fields())]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


cell = st.one_of(st.just(""), st.integers(-3, 12).map(str), st.text(max_size=6), st.just("2"))


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_a_redcap_file_is_imported_or_refused_with_problems_never_an_error(
    data: st.DataObject, patient, staff
) -> None:
    plan = make_plan(patient, staff["physician"])
    specs = [spec.name for spec in redcap.record_fields()]
    record_ids = st.one_of(st.just(str(plan.public_id)), st.uuids().map(str), st.text(max_size=8))
    events = st.sampled_from([*map(redcap_event, TIMEPOINT_LABELS), "nonsense"])
    rows = data.draw(
        st.lists(
            st.fixed_dictionaries(
                {"record_id": record_ids, "redcap_event_name": events},
                optional={name: cell for name in specs[:30]},
            ),
            max_size=4,
        )
    )
    before = SurveyResponse.objects.count()
    report = records_import(
        clinic=patient.clinic, text=_csv(rows), by=staff["clinic_admin"], dry_run=True
    )
    assert report.ok or all(problem.message for problem in report.problems)
    assert SurveyResponse.objects.count() == before

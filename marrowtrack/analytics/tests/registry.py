"""Registry test data: treated plans with scores, follow-ups, adverse events and
re-interventions, written straight into the tables (the scoring itself is tested in
outcomes; here the rows only need to look like the services' output)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from marrowtrack.analytics.readmodel import PlanRow
from marrowtrack.intake.models import TreatmentPlan
from marrowtrack.outcomes.models import FollowUp, Reintervention, SurveyResponse
from marrowtrack.outcomes.services.followups import followups_create_for_plan
from marrowtrack.recovery.models import AdverseEvent
from marrowtrack.testing.factories import PatientFactory

TREATED = date(2026, 1, 8)
TODAY = "2027-06-01 12:00-05:00"
OFFSET = {"baseline": -3, "6w": 42, "3m": 91, "6m": 182, "12m": 365}
# Every identifier the researcher must never see, carried by the first patient of a registry.
IDENTIFIED = {
    "family_name": "Quixote",
    "given_name": "Alonso",
    "mrn": "MRN77",
    "phone": "555-123-4567",
    "email": "alonso@example.org",
    "address": "1 La Mancha Road, Springfield, IL 62704",
}


def plan_with(clinic, by, *, treatment="bmac", sex="female", born=date(1960, 5, 17), **more):
    patient = PatientFactory(clinic=clinic, sex=sex, date_of_birth=born, **more.pop("who", {}))
    plan = TreatmentPlan.objects.create(
        patient=patient,
        condition=more.pop("condition", "knee_oa"),
        target=more.pop("target", "knee"),
        laterality="left",
        treatment=treatment,
        status=TreatmentPlan.Status.TREATED,
        treated_on=more.pop("treated_on", TREATED),
        created_by=by,
        **more,
    )
    followups_create_for_plan(plan=plan, by=by)
    return plan


def score(
    plan,
    timepoint,
    value,
    *,
    instrument="NPRS",
    key="total",
    wording="licensed_paper",
    status="submitted",
    in_window=True,
):
    day = plan.treated_on + timedelta(days=OFFSET[timepoint])
    at = datetime.combine(day, time(12), ZoneInfo(plan.patient.clinic.timezone))
    followup = FollowUp.objects.filter(plan=plan, timepoint=timepoint).first()
    if followup is not None and in_window and status == "submitted":
        FollowUp.objects.filter(pk=followup.pk).update(status="completed", completed_at=at)
    return SurveyResponse.objects.create(
        plan=plan,
        patient=plan.patient,
        followup=followup if in_window and followup is not None else None,
        instrument=instrument,
        instrument_version="test",
        answers={},
        answered_at=at,
        timepoint=timepoint if in_window else None,
        asked_for=timepoint,
        source="staff_transcribed",
        scores={instrument: {key: value}},
        status=status,
        wording=wording,
    )


def adverse_event(plan, by, *, event_type="haematoma", serious=False):
    return AdverseEvent.objects.create(
        clinic=plan.patient.clinic,
        patient=plan.patient,
        plan=plan,
        event_type=event_type,
        site="harvest",
        onset_on=plan.treated_on,
        grade=1,
        serious=serious,
        relatedness="definite",
        outcome="recovered",
        description="test",
        recorded_by=by,
    )


def reintervention(plan, by, *, days, kind="surgery"):
    return Reintervention.objects.create(
        plan=plan,
        patient=plan.patient,
        kind=kind,
        performed_on=plan.treated_on + timedelta(days=days),
        target=plan.target,
        laterality=plan.laterality,
        source="staff",
        recorded_by=by,
    )


def plan_row(i: int, treated_on: date, **fields: object) -> PlanRow:
    """A read-model plan (a left knee with osteoarthritis, a woman in her sixties) for the
    statistics tests, which build the registry in memory; ``fields`` override."""
    row: dict[str, object] = {
        "id": i,
        "patient_id": i,
        "condition": "knee_oa",
        "target": "knee",
        "laterality": "left",
        "treatment": "bmac",
        "treated_on": treated_on,
        "sex": "female",
        "date_of_birth": None,
        "age": 60,
        "age_band": "60-69",
        "severity": 2,
        "symptom_months": 12,
        "prior_injections": 0,
        "bmi": 27.0,
        "physician_id": None,
        "repeat_of": None,
    }
    return PlanRow(**{**row, **fields})  # type: ignore[arg-type]

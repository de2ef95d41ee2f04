"""Reads of the outcomes app: follow-up statuses by date, completeness, results, series.

Open follow-ups show as scheduled (window not open yet), due (inside the window) or missed
(window closed) on the day asked, so the status is always right without a nightly job.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Case, CharField, Count, F, Q, QuerySet, Value, When

from marrowtrack.core.models import Clinic
from marrowtrack.core.scope import ExportScope
from marrowtrack.intake.models import TreatmentPlan
from marrowtrack.outcomes.catalogue import TIMEPOINT_LABELS
from marrowtrack.outcomes.models import FollowUp, SurveyResponse
from marrowtrack.patients.models import Patient

SHOWN_STATUSES = ("scheduled", "due", "completed", "missed", "not_applicable", "withdrawn")


def effective_status(today: date) -> Case:
    """SQL expression: stored terminal status, else scheduled/due/missed by today's date."""
    return Case(
        When(~Q(status=FollowUp.Status.OPEN), then=F("status")),
        When(closes_on__lt=today, then=Value("missed")),
        When(opens_on__lte=today, then=Value("due")),
        default=Value("scheduled"),
        output_field=CharField(),
    )


def followups_on(today: date) -> QuerySet[FollowUp]:
    return FollowUp.objects.annotate(shown_status=effective_status(today))


def plan_followups(*, plan: TreatmentPlan, today: date) -> list[FollowUp]:
    return list(followups_on(today).filter(plan=plan).order_by("position"))


@dataclass
class CompletenessRow:
    timepoint: str
    label: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def expected(self) -> int:
        """Follow-ups whose window has closed or that were completed (censored excluded)."""
        return self.counts.get("completed", 0) + self.counts.get("missed", 0)

    @property
    def percent(self) -> int | None:
        if not self.expected:
            return None
        return round(100 * self.counts.get("completed", 0) / self.expected)


def completeness(
    *, clinic: Clinic, today: date, plans: QuerySet[TreatmentPlan] | None = None
) -> list[CompletenessRow]:
    """Per time point: how many follow-ups are completed, due, missed, censored (one query)."""
    rows = followups_on(today).filter(plan__patient__clinic=clinic)
    if plans is not None:
        rows = rows.filter(plan__in=plans)
    counted = rows.values("timepoint", "shown_status").annotate(n=Count("id"))
    by_tp: dict[str, CompletenessRow] = {
        code: CompletenessRow(code, label) for code, label in TIMEPOINT_LABELS.items()
    }
    for row in counted:
        entry = by_tp.setdefault(
            row["timepoint"], CompletenessRow(row["timepoint"], row["timepoint"])
        )
        entry.counts[row["shown_status"]] = row["n"]
    return list(by_tp.values())


def plans_with_followups(*, clinic: Clinic) -> QuerySet[TreatmentPlan]:
    return (
        TreatmentPlan.objects.filter(patient__clinic=clinic, followups__isnull=False)
        .distinct()
        .select_related("patient")
        .order_by("-treated_on")
    )


def submitted_responses(*, plan: TreatmentPlan) -> QuerySet[SurveyResponse]:
    return plan.responses.filter(status=SurveyResponse.Status.SUBMITTED).order_by(
        "answered_at", "instrument"
    )


def awaiting_verification(*, clinic: Clinic) -> QuerySet[SurveyResponse]:
    return (
        SurveyResponse.objects.filter(
            patient__clinic=clinic, status=SurveyResponse.Status.AWAITING_VERIFICATION
        )
        .select_related("patient", "entered_by", "plan")
        .order_by("created_at")
    )


def results_table(*, plan: TreatmentPlan) -> dict[str, dict[str, dict]]:
    """{time point: {instrument: scores}} of the plan's assigned, submitted responses."""
    table: dict[str, dict[str, dict]] = defaultdict(dict)
    for response in submitted_responses(plan=plan).exclude(timepoint__isnull=True):
        for code, scores in response.scores.items():
            table[response.timepoint][code] = scores
    return dict(table)


def patient_plans(*, patient: Patient) -> QuerySet[TreatmentPlan]:
    return patient.plans.filter(treated_on__isnull=False).order_by("-treated_on")


def score_series(*, plan: TreatmentPlan) -> dict[str, list]:
    """{instrument: [Point]} of the headline score of each submitted response, by date."""
    from marrowtrack.outcomes.charts import HEADLINE, Point

    series: dict[str, list[Point]] = defaultdict(list)
    for response in submitted_responses(plan=plan):
        day = response.answered_at.date() if response.answered_at else None
        for code, scores in response.scores.items():
            value = scores.get(HEADLINE.get(code, ("",))[0]) if code in HEADLINE else None
            if value is not None and day is not None:
                series[code].append(Point(day, response.timepoint, float(value)))
    return dict(series)


def responses_for_export(scope: ExportScope) -> QuerySet[SurveyResponse]:
    """FHIR export (interop): responses of the scope (core/scope.py) with the public ids the
    export refers to (`patient_uuid`, `plan_uuid`, `entered_by_uuid`)."""
    rows = SurveyResponse.objects.annotate(
        patient_uuid=F("patient__public_id"),
        plan_uuid=F("plan__public_id"),
        entered_by_uuid=F("entered_by__public_id"),
    )
    return scope.narrow(rows, clinic_path="patient__clinic")


def baseline_pain(*, plan: TreatmentPlan) -> int | None:
    """The plan's submitted baseline NPRS (0-10), the pain before treatment; None if absent.
    Recovery's triage compares first-week pain with it."""
    response = (
        plan.responses.filter(
            status=SurveyResponse.Status.SUBMITTED, timepoint="baseline", instrument="NPRS"
        )
        .order_by("-answered_at")
        .first()
    )
    value = (response.scores.get("NPRS") or {}).get("total") if response else None
    return None if value is None else int(value)


def open_followups_for_patient(*, patient: Patient, today: date) -> list[FollowUp]:
    """The patient's follow-up surveys whose window is open today (the portal lists them)."""
    return list(
        followups_on(today)
        .filter(plan__patient=patient, status=FollowUp.Status.OPEN, opens_on__lte=today)
        .filter(closes_on__gte=today)
        .exclude(timepoint="baseline")
        .select_related("plan")
        .order_by("closes_on")
    )

"""Registry analytics: the dashboard, the BMAC-versus-comparator comparison, dose-response,
the evidence card (staff and patient), the outcomes report (PDF) and the de-identified
research export (CSV, Parquet). Each checks the reader and reads the clinic's registry once;
exports and reports are audited (who took which data, when)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from django.conf import settings
from django.db import transaction

from marrowtrack.accounts.models import User
from marrowtrack.analytics import compare as comparing
from marrowtrack.analytics import deidentify, exports, report
from marrowtrack.analytics.access import CLINICAL, registry_reader, require_research
from marrowtrack.analytics.dashboard import Dashboard, Filters, dashboard_compute
from marrowtrack.analytics.doseresponse import DoseResponse, dose_response_compute
from marrowtrack.analytics.evidence import EvidenceCard, evidence_card
from marrowtrack.analytics.readmodel import (
    HARVEST,
    Registry,
    asked_instruments,
    registry_build,
    scores_shown,
)
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.services import event_record
from marrowtrack.core import clock
from marrowtrack.core.exceptions import ValidationFailed
from marrowtrack.intake.access import plan_for_user
from marrowtrack.intake.selectors import plans_for_patient
from marrowtrack.lab.selectors import registry_lab_results
from marrowtrack.ops.routers import replica_reads
from marrowtrack.patients.models import Patient
from marrowtrack.patients.selectors import registry_zip_codes

TIMEPOINTS = ("6w", "3m", "6m", "12m")
OSTEOARTHRITIS = ("knee_oa", "other")  # hip OA is "other" with a hip target (catalogue.py)
PAIN = scores_shown("NPRS", "total", oarsi=False)  # what the evidence card reads


def dashboard_build(*, user: User, filters: Filters) -> tuple[Dashboard, Registry]:
    """The dashboard of the user's clinic (403 unless a registry reader)."""
    registry_reader(user)
    osteo = filters.condition in OSTEOARTHRITIS
    registry = registry_build(
        clinic=user.clinic,
        instruments=asked_instruments(filters.instrument, oarsi=osteo),
        scores=scores_shown(filters.instrument, filters.score_key, oarsi=osteo),
    )
    return dashboard_compute(registry, filters), registry


def comparison_build(
    *,
    user: User,
    condition: str,
    comparator: str = "csi",
    instrument: str = "NPRS",
    score_key: str = "total",
    include_excluded: bool = False,
    timepoints: tuple[str, ...] = TIMEPOINTS,
) -> list[comparing.Comparison]:
    registry_reader(user)
    if comparator in ("bmac", "bmac_prp"):
        raise ValidationFailed({"comparator": ["Choose a treatment other than BMAC."]})
    registry = registry_build(
        clinic=user.clinic,
        instruments=asked_instruments(instrument, oarsi=False),
        scores=scores_shown(instrument, score_key, oarsi=False),
    )
    results = []
    for timepoint in timepoints:
        plans, baselines, gains = comparing.comparison_data(
            registry,
            condition=condition,
            comparator=comparator,
            instrument=instrument,
            score_key=score_key,
            timepoint=timepoint,
            include_excluded=include_excluded,
        )
        result = comparing.compare(
            plans, baselines, gains, timepoint=timepoint, comparator=comparator
        )
        result.excluded = comparing.excluded_counts(
            registry,
            condition=condition,
            comparator=comparator,
            instrument=instrument,
            score_key=score_key,
            timepoint=timepoint,
        )
        result.include_excluded = include_excluded
        results.append(result)
    return results


EXPORT_FORMATS = ("csv", "parquet")


def research_export(*, user: User, fmt: str = "csv") -> str | bytes:
    """The clinic's registry de-identified, as CSV text or Parquet bytes (researcher only;
    audited)."""
    require_research(user)
    if fmt not in EXPORT_FORMATS:
        raise ValidationFailed({"format": [f"Choose one of: {', '.join(EXPORT_FORMATS)}."]})
    registry = registry_build(clinic=user.clinic)
    rows = deidentify.research_rows(registry, registry_zip_codes(clinic=user.clinic))
    with transaction.atomic():
        event_record(
            actor=user,
            action=AuditAction.EXPORT,
            target="registry",
            name="analytics.research_export",
            clinic=user.clinic,
            extra={"format": f"{fmt.upper()}, de-identified (Safe Harbor)", "rows": len(rows)},
        )
    if fmt == "parquet":
        return exports.parquet_bytes(rows, deidentify.COLUMNS)
    return deidentify.research_csv(rows)


def dose_response_build(*, user: User, filters: Filters, timepoint: str = "6m") -> DoseResponse:
    """Improvement at `timepoint` against the dose of concentrate (registry readers)."""
    registry_reader(user)
    registry = registry_build(
        clinic=user.clinic,
        instruments=asked_instruments(filters.instrument, oarsi=False),
        scores=scores_shown(filters.instrument, filters.score_key, oarsi=False),
    )
    with replica_reads():
        lab = registry_lab_results(clinic=user.clinic)
    return dose_response_compute(registry, lab, filters, timepoint=timepoint)


def outcomes_report_build(
    *, user: User, treated_from: date | None = None, treated_to: date | None = None
) -> bytes:
    """The clinic's outcomes report for patients treated in the period, as a PDF (registry
    readers; aggregates only; audited)."""
    registry_reader(user)
    if treated_from and treated_to and treated_from > treated_to:
        raise ValidationFailed({"treated_to": ["The period ends before it starts."]})
    registry = registry_build(
        clinic=user.clinic,
        instruments=asked_instruments("NPRS", oarsi=False),
        scores=scores_shown("NPRS", "total", oarsi=False),
    )
    sections = report.report_sections(registry, treated_from=treated_from, treated_to=treated_to)
    html = report.report_html(
        clinic_name=user.clinic.name,
        treated_from=treated_from,
        treated_to=treated_to,
        made_on=clock.today(user.clinic),
        sections=sections,
    )
    pdf = report.report_pdf(html)
    with transaction.atomic():
        event_record(
            actor=user,
            action=AuditAction.EXPORT,
            target="registry",
            name="analytics.outcomes_report",
            clinic=user.clinic,
            extra={
                "format": "PDF, aggregates",
                "treated_from": treated_from.isoformat() if treated_from else "",
                "treated_to": treated_to.isoformat() if treated_to else "",
                "conditions": [s.condition for s in sections],
            },
        )
    return pdf


def evidence_min_group() -> int:
    return int(getattr(settings, "MARROWTRACK_EVIDENCE_MIN_GROUP", 20))


def evidence_card_build(*, user: User, plan_id: UUID | str) -> tuple[object, EvidenceCard]:
    """The evidence card for a plan's condition and treatment (clinical readers; 404 for
    another clinic's plan)."""
    plan = plan_for_user(user, plan_id, CLINICAL)
    registry = registry_build(clinic=user.clinic, instruments=("NPRS",), scores=PAIN)
    comparator = "csi" if plan.treatment in HARVEST else "bmac"
    card = evidence_card(
        registry,
        condition=plan.condition,
        condition_label=plan.get_condition_display(),
        treatment=plan.treatment,
        comparator=comparator,
        min_group=evidence_min_group(),
    )
    return plan, card


def patient_evidence_cards(*, patient: Patient) -> list[EvidenceCard]:
    """The evidence cards of the patient's own conditions and treatments (the portal): one
    per condition and treatment of the patient's plans (cancelled ones left out), figures of
    the patient's own clinic. Nothing else is reachable: the cards are found through the
    patient, never from an id in the address."""
    wanted = {}
    for plan in plans_for_patient(patient).exclude(status="cancelled").order_by("created_at"):
        wanted.setdefault((plan.condition, plan.treatment), plan.get_condition_display())
    if not wanted:
        return []
    registry = registry_build(clinic=patient.clinic, instruments=("NPRS",), scores=PAIN)
    cards = []
    for (condition, treatment), label in wanted.items():
        cards.append(
            evidence_card(
                registry,
                condition=condition,
                condition_label=label,
                treatment=treatment,
                comparator="csi" if treatment in HARVEST else "bmac",
                min_group=evidence_min_group(),
            )
        )
    return cards

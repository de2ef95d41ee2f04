"""Registry analytics: the dashboard, the BMAC-versus-comparator comparison, dose-response,
the evidence card (staff and patient), the outcomes report (PDF) and the de-identified
research export (CSV, Parquet). Each checks the reader and reads the clinic's registry once;
exports and reports are audited (who took which data, when)."""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.db import transaction

from marrowtrack.accounts.models import User
from marrowtrack.accounts.selectors import staff_of_clinic
from marrowtrack.analytics import compare as comparing
from marrowtrack.analytics import deidentify, exports, presenters, report
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


def physician_label(*, user: User, physician_id: int | None) -> str:
    """How a physician filter is printed: the physician's name, from the reader's clinic."""
    if physician_id is None:
        return ""
    doctor = staff_of_clinic(clinic=user.clinic).filter(pk=physician_id).first()
    return (doctor.printed_name or doctor.username) if doctor else str(physician_id)


def comparison_build(
    *,
    user: User,
    filters: Filters,
    comparator: str = "csi",
    timepoints: tuple[str, ...] = TIMEPOINTS,
) -> list[comparing.Comparison]:
    """BMAC versus `comparator` for the filters' condition and score, over the patients the
    dashboard's filters admit (registry readers)."""
    registry_reader(user)
    if comparator in HARVEST:
        raise ValidationFailed({"comparator": ["Choose a treatment other than BMAC."]})
    registry = registry_build(
        clinic=user.clinic,
        instruments=asked_instruments(filters.instrument, oarsi=False),
        scores=scores_shown(filters.instrument, filters.score_key, oarsi=False),
    )
    return comparing.comparison_compute(
        registry, filters, comparator=comparator, timepoints=timepoints
    )


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


def outcomes_report_build(*, user: User, filters: Filters) -> bytes:
    """The clinic's outcomes report for the patients the filters admit (period, physician,
    sex, age band, severity; every condition: `filters.condition` is not read), as a PDF
    (registry readers; aggregates only; audited with the filters)."""
    registry_reader(user)
    start, end = filters.treated_from, filters.treated_to
    if start and end and start > end:
        raise ValidationFailed({"treated_to": ["The period ends before it starts."]})
    registry = registry_build(
        clinic=user.clinic,
        instruments=asked_instruments("NPRS", oarsi=False),
        scores=scores_shown("NPRS", "total", oarsi=False),
    )
    sections = report.report_sections(registry, filters)
    in_force = presenters.filters_in_force(
        filters, physician_label(user=user, physician_id=filters.physician_id)
    )
    html = report.report_html(
        clinic_name=user.clinic.name,
        treated_from=start,
        treated_to=end,
        filters_in_force=in_force,
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
                "treated_from": start.isoformat() if start else "",
                "treated_to": end.isoformat() if end else "",
                "physician_id": filters.physician_id,
                "sex": filters.sex,
                "age_band": filters.age_band,
                "severity": filters.severity,
                "filters": in_force,
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
    wanted: dict[tuple[str, str], None] = {}
    for plan in plans_for_patient(patient).exclude(status="cancelled").order_by("created_at"):
        wanted.setdefault((plan.condition, plan.treatment), None)
    if not wanted:
        return []
    registry = registry_build(clinic=patient.clinic, instruments=("NPRS",), scores=PAIN)
    cards = []
    for condition, treatment in wanted:
        cards.append(
            evidence_card(
                registry,
                condition=condition,
                treatment=treatment,
                comparator="csi" if treatment in HARVEST else "bmac",
                min_group=evidence_min_group(),
            )
        )
    return cards

"""Registry analytics: the dashboard, the BMAC-versus-comparator comparison and the
de-identified research export. Each checks the reader and reads the clinic's registry once;
the export is audited (who took which data, when)."""

from __future__ import annotations

from uuid import UUID

from django.db import transaction

from marrowtrack.accounts.models import User
from marrowtrack.analytics import compare as comparing
from marrowtrack.analytics import deidentify
from marrowtrack.analytics.access import CLINICAL, registry_reader, require_research
from marrowtrack.analytics.dashboard import Dashboard, Filters, dashboard_compute
from marrowtrack.analytics.evidence import EvidenceCard, evidence_card
from marrowtrack.analytics.readmodel import (
    HARVEST,
    Registry,
    asked_instruments,
    registry_build,
)
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.services import event_record
from marrowtrack.core.exceptions import ValidationFailed
from marrowtrack.intake.access import plan_for_user
from marrowtrack.patients.selectors import registry_zip_codes

TIMEPOINTS = ("6w", "3m", "6m", "12m")
OSTEOARTHRITIS = ("knee_oa", "other")  # hip OA is "other" with a hip target (catalogue.py)


def dashboard_build(*, user: User, filters: Filters) -> tuple[Dashboard, Registry]:
    """The dashboard of the user's clinic (403 unless a registry reader)."""
    registry_reader(user)
    wanted = asked_instruments(filters.instrument, oarsi=filters.condition in OSTEOARTHRITIS)
    registry = registry_build(clinic=user.clinic, instruments=wanted)
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
    wanted = asked_instruments(instrument, oarsi=False)
    registry = registry_build(clinic=user.clinic, instruments=wanted)
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
        results.append(
            comparing.compare(plans, baselines, gains, timepoint=timepoint, comparator=comparator)
        )
    return results


def research_export(*, user: User) -> str:
    """The clinic's registry as de-identified CSV (researcher only; audited)."""
    require_research(user)
    registry = registry_build(clinic=user.clinic)
    rows = deidentify.research_rows(registry, registry_zip_codes(clinic=user.clinic))
    with transaction.atomic():
        event_record(
            actor=user,
            action=AuditAction.EXPORT,
            target="registry",
            name="analytics.research_export",
            clinic=user.clinic,
            extra={"format": "CSV, de-identified (Safe Harbor)", "rows": len(rows)},
        )
    return deidentify.research_csv(rows)


def evidence_card_build(*, user: User, plan_id: UUID | str) -> tuple[object, EvidenceCard]:
    """The evidence card for a plan's condition and treatment (clinical readers; 404 for
    another clinic's plan)."""
    plan = plan_for_user(user, plan_id, CLINICAL)
    registry = registry_build(clinic=user.clinic, instruments=("NPRS",))
    comparator = "csi" if plan.treatment in HARVEST else "bmac"
    card = evidence_card(
        registry,
        condition=plan.condition,
        condition_label=plan.get_condition_display(),
        treatment=plan.treatment,
        comparator=comparator,
    )
    return plan, card

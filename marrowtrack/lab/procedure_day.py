"""What the lab reads of a procedure day, as types.

Procedures orchestrates the day and calls the lab; the lab never imports procedures
(docs/decisions/0006-one-way-app-layers.md). Lab services take the encounter and its
harvest as these protocols, which ``procedures.ProcedureEncounter`` and
``procedures.HarvestRecord`` satisfy; the models' foreign keys name the encounter as the
string ``"procedures.ProcedureEncounter"``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from marrowtrack.core.models import Clinic
from marrowtrack.intake.models import Laterality, Target, TreatmentPlan
from marrowtrack.patients.models import Patient


class Encounter(Protocol):
    """A procedure day: its clinic, patient and treatment plan."""

    pk: Any
    clinic_id: int

    @property
    def clinic(self) -> Clinic: ...

    @property
    def patient(self) -> Patient: ...

    @property
    def plan(self) -> TreatmentPlan: ...


class Harvest(Protocol):
    """The harvest record the aspirate tube is labelled from."""

    aspirate_ml: Decimal
    anticoagulant: str  # "acd_a" or "heparin": part of the product code
    anticoagulant_ml: Decimal
    ended_at: datetime

    def get_side_display(self) -> str: ...


Site = tuple[str, str]  # (target, laterality) of one injection


def plan_sites(plan: TreatmentPlan) -> list[Site]:
    """The sites a plan treats, one per injection: a bilateral plan is its left and its
    right side, each labelled, verified and injected on its own."""
    if plan.laterality == Laterality.BILATERAL:
        return [(plan.target, Laterality.LEFT), (plan.target, Laterality.RIGHT)]
    return [(plan.target, plan.laterality)]


def site_display(site: Site) -> str:
    target, side = site
    side_text = "" if side == Laterality.MIDLINE else Laterality(side).label
    return f"{side_text} {Target(target).label.lower()}".strip().capitalize()

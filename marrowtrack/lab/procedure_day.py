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
from marrowtrack.intake.models import TreatmentPlan
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
    anticoagulant_ml: Decimal
    ended_at: datetime

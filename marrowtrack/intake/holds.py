"""Medication holds before a needle procedure: the hold table, and the dates it implies.

Pure (no ORM): the eligibility checks, booking and the patient instructions all use it, so
the screen, the booking refusal and the patient's letter give the same dates.

The table gives **drug-free days before the procedure day** by agent and by the plan's
bleeding-risk class (``anatomy.BleedingRisk``), plus a "harvest" column for the marrow
harvest of an elective BMAC day. A plan needs the larger of its target's column and, when
it has a harvest, the harvest column. Sources (docs/decisions/0005-clinical-choices.md):

- Low (joint injection; SIR 2019, Patel et al., JVIR 2019, low-risk procedures): no hold
  is required for warfarin within the INR limit, DOACs or antiplatelets (⚠ verify).
- Intermediate and high (ASRA 2018, Narouze et al., Reg Anesth Pain Med 2018, interventional
  spine and pain procedures): warfarin 5 d (INR checked), apixaban, rivaroxaban and edoxaban
  3 d, dabigatran 4 d, therapeutic LMWH 1 d, clopidogrel 7 d, prasugrel 7 d, ticagrelor
  5 d; aspirin 6 d for high risk, a shared decision for intermediate risk.
- Harvest: the clinic's elective defaults of docs/reference.md §4 (warfarin 5 d plus INR,
  clopidogrel 7 d, apixaban/rivaroxaban about 3 d), the same days as intermediate.
- An agent not recorded ("other") gets the longest hold of its class.

Date convention (the same as the NSAID window in ``instructions.py``): a hold of N days
means N full drug-free days before the procedure day, so the last dose is on or before
``procedure_on - (N + 1)``. A hold of 0 days means none is needed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

from marrowtrack.intake.anatomy import BleedingRisk
from marrowtrack.intake.facts import Agent, DrugClass, Medication, MedicationHold

HARVEST_COLUMN = "harvest"
HOLD_COLUMNS = ("low", HARVEST_COLUMN, "intermediate", "high")
BLOOD_THINNERS = frozenset({DrugClass.ANTICOAGULANT, DrugClass.ANTIPLATELET})


def _days(low: int, harvest: int, intermediate: int, high: int) -> Mapping[str, int]:
    return MappingProxyType(
        dict(zip(HOLD_COLUMNS, (low, harvest, intermediate, high), strict=True))
    )


DEFAULT_HOLD_DAYS: Mapping[Agent, Mapping[str, int]] = MappingProxyType(
    {
        Agent.WARFARIN: _days(0, 5, 5, 5),
        Agent.APIXABAN: _days(0, 3, 3, 3),
        Agent.RIVAROXABAN: _days(0, 3, 3, 3),
        Agent.EDOXABAN: _days(0, 3, 3, 3),
        Agent.DABIGATRAN: _days(0, 4, 4, 4),
        Agent.LMWH: _days(0, 1, 1, 1),
        Agent.CLOPIDOGREL: _days(0, 7, 7, 7),
        Agent.PRASUGREL: _days(0, 7, 7, 7),
        Agent.TICAGRELOR: _days(0, 5, 5, 5),
        Agent.ASPIRIN: _days(0, 0, 0, 6),
        Agent.OTHER_ANTICOAGULANT: _days(0, 5, 5, 5),
        Agent.OTHER_ANTIPLATELET: _days(0, 7, 7, 7),
    }
)


class HoldStatus(StrEnum):
    PLANNED = "planned"  # the last dose (planned or recorded) leaves the full hold
    SHORT = "short"  # the last dose leaves fewer drug-free days than the table
    UNPLANNED = "unplanned"  # still taken, no hold recorded yet


@dataclass(frozen=True)
class RequiredHold:
    medication: Medication
    days: int
    last_dose_by: date
    last_dose_on: date | None  # the record's last dose, else the plan's; None: still taken
    hold: MedicationHold | None
    basis: str

    @property
    def status(self) -> HoldStatus:
        if self.last_dose_on is None:
            return HoldStatus.UNPLANNED
        return HoldStatus.PLANNED if self.last_dose_on <= self.last_dose_by else HoldStatus.SHORT

    @property
    def drug_free_days(self) -> int | None:
        """Full days without the drug that the recorded last dose leaves, if known."""
        if self.last_dose_on is None:
            return None
        return drug_free_days(self.last_dose_on, self.last_dose_by + timedelta(days=self.days + 1))


def hold_param(agent: Agent, column: str) -> str:
    return f"{agent.value}_{column}"


def default_hold_params() -> dict[str, int]:
    return {
        hold_param(agent, column): days
        for agent, row in DEFAULT_HOLD_DAYS.items()
        for column, days in row.items()
    }


def agent_of(medication: Medication) -> Agent | None:
    """The agent the table is read for; an unrecorded blood thinner is 'other' of its class."""
    if medication.drug_class not in BLOOD_THINNERS:
        return None
    if medication.agent is not None:
        return medication.agent
    if medication.drug_class == DrugClass.ANTICOAGULANT:
        return Agent.OTHER_ANTICOAGULANT
    return Agent.OTHER_ANTIPLATELET


def hold_days(
    params: Mapping[str, int | Decimal], agent: Agent, *, risk: BleedingRisk, harvest: bool
) -> int:
    """Drug-free days the table asks for: the target's column, or the harvest's if longer."""
    days = int(params[hold_param(agent, risk.value)])
    if harvest:
        days = max(days, int(params[hold_param(agent, HARVEST_COLUMN)]))
    return days


def last_dose_by(procedure_on: date, days: int) -> date:
    """The latest day a dose may be taken for ``days`` full drug-free days before."""
    return procedure_on - timedelta(days=days + 1) if days > 0 else procedure_on


def drug_free_days(last_dose_on: date, procedure_on: date) -> int:
    return max(0, (procedure_on - last_dose_on).days - 1)


def _hold_for(medication: Medication, holds: Iterable[MedicationHold]) -> MedicationHold | None:
    found = [h for h in holds if medication.ref and h.medication_ref == medication.ref]
    return max(found, key=lambda h: h.last_dose_on) if found else None


def required_hold(
    medication: Medication,
    *,
    days: int,
    procedure_on: date,
    holds: Iterable[MedicationHold],
    basis: str,
) -> RequiredHold | None:
    """The hold this medication needs before ``procedure_on``, or None when it needs none
    (no days in the table, or the record shows the last dose already early enough)."""
    if days <= 0:
        return None
    deadline = last_dose_by(procedure_on, days)
    hold = _hold_for(medication, holds)
    if hold is None and not medication.taken_on_or_after(deadline + timedelta(days=1)):
        return None
    # What the record says was taken beats what was planned; the plan fills the gap.
    last = medication.stopped_on if medication.stopped_on is not None else None
    if last is None and hold is not None:
        last = hold.last_dose_on
    return RequiredHold(medication, days, deadline, last, hold, basis)

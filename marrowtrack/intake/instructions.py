"""Pre-procedure instructions: NSAID stop and restart dates, medication holds, what to bring.

Pure calculation from the procedure start, the patient's medications and the clinic's
configurable defaults (domain.md §0 defaults table; §4 "Washout windows" [CLINIC]: NSAIDs
stop 5-14 d before and are avoided after, acetaminophen is allowed, systemic steroids about
4 weeks; MISSION.md path step 3 "pre-procedure instructions (NSAID and anticoagulant holds,
with dates)"). The English sentences are a convenience; every date is also a field, so the
portal, the PDF and a Spanish template can render their own wording.

Date conventions:
- The NSAID **stop date** is the first NSAID-free day: procedure date - 7 days. The patient
  takes none on or after it, so there are 7 full NSAID-free days before the procedure day.
- The NSAID **restart date** mirrors it: 7 full NSAID-free days after the procedure day, so
  the first day NSAIDs are allowed again is procedure date + 7 + 1 days.
- A systemic corticosteroid must have its **last dose** at least the washout (4 weeks)
  before the procedure date, the same boundary the eligibility rule uses (rules.py).
- Anticoagulants and antiplatelets get no computed date: the prescriber decides the hold
  (domain.md §4 "record last dose; the prescriber decides").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta

from marrowtrack.intake.facts import DrugClass, Medication

BLOOD_THINNERS = frozenset({DrugClass.ANTICOAGULANT, DrugClass.ANTIPLATELET})


@dataclass(frozen=True)
class InstructionDefaults:
    """Clinic-configurable defaults (domain.md §0)."""

    nsaid_hold_days_before: int = 7
    nsaid_avoid_days_after: int = 7
    systemic_steroid_washout_weeks: int = 4
    anticoagulant_lookback_days: int = 7
    arrival_lead_minutes: int = 30

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{field.name} must be a whole number >= 0, got {value!r}")


DEFAULT_INSTRUCTION_DEFAULTS = InstructionDefaults()


@dataclass(frozen=True)
class NsaidWindow:
    stop_on: date  # first NSAID-free day
    restart_on: date  # first day NSAIDs are allowed again


@dataclass(frozen=True)
class MedicationInstruction:
    name: str
    drug_class: DrugClass
    last_dose_by: date | None  # None: the prescriber decides
    restart_on: date | None  # None: the prescriber decides
    text: str


@dataclass(frozen=True)
class PreProcedureInstructions:
    procedure_start: datetime
    arrive_at: datetime
    nsaid_stop_on: date
    nsaid_restart_on: date
    medications: tuple[MedicationInstruction, ...]
    acetaminophen_allowed: bool
    fixed_items: tuple[str, ...]


def nsaid_window(
    procedure_on: date, *, hold_days_before: int, avoid_days_after: int
) -> NsaidWindow:
    """The NSAID-free window around a procedure date (module docstring: date conventions)."""
    return NsaidWindow(
        stop_on=procedure_on - timedelta(days=hold_days_before),
        restart_on=procedure_on + timedelta(days=avoid_days_after + 1),
    )


def long_date(day: date) -> str:
    """'Monday 2 March 2026': unambiguous for patients in any country."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def pre_procedure_instructions(
    *,
    procedure_start: datetime,
    medications: Iterable[Medication],
    defaults: InstructionDefaults = DEFAULT_INSTRUCTION_DEFAULTS,
) -> PreProcedureInstructions:
    """Compute a patient's pre-procedure instructions for a BMAC procedure.

    ``procedure_start`` must be timezone-aware; its calendar date is taken in its own
    timezone, so pass it in the clinic's zone (``timezone.localtime``).
    """
    if procedure_start.tzinfo is None or procedure_start.utcoffset() is None:
        raise ValueError("procedure_start must be timezone-aware")
    procedure_on = procedure_start.date()
    window = nsaid_window(
        procedure_on,
        hold_days_before=defaults.nsaid_hold_days_before,
        avoid_days_after=defaults.nsaid_avoid_days_after,
    )
    arrive_at = procedure_start - timedelta(minutes=defaults.arrival_lead_minutes)
    affected = tuple(
        item
        for medication in medications
        if (item := _medication_instruction(medication, procedure_on, window, defaults))
    )
    return PreProcedureInstructions(
        procedure_start=procedure_start,
        arrive_at=arrive_at,
        nsaid_stop_on=window.stop_on,
        nsaid_restart_on=window.restart_on,
        medications=affected,
        acetaminophen_allowed=True,
        fixed_items=_fixed_items(procedure_start, arrive_at, window, defaults),
    )


def _medication_instruction(
    medication: Medication, procedure_on: date, window: NsaidWindow, defaults: InstructionDefaults
) -> MedicationInstruction | None:
    """The instruction for one medication, or None when the procedure does not affect it."""
    if medication.drug_class == DrugClass.NSAID:
        return _nsaid_instruction(medication, window)
    if medication.drug_class == DrugClass.SYSTEMIC_CORTICOSTEROID:
        return _steroid_instruction(medication, procedure_on, defaults)
    if medication.drug_class in BLOOD_THINNERS:
        since = procedure_on - timedelta(days=defaults.anticoagulant_lookback_days)
        if medication.taken_on_or_after(since + timedelta(days=1)):
            return _blood_thinner_instruction(medication)
    return None


def _nsaid_instruction(medication: Medication, window: NsaidWindow) -> MedicationInstruction | None:
    if not medication.taken_on_or_after(window.stop_on):
        return None
    last_dose_by = window.stop_on - timedelta(days=1)
    text = (
        f"{medication.name}: take your last dose on or before {long_date(last_dose_by)}. "
        f"Take none from {long_date(window.stop_on)}; you may restart on "
        f"{long_date(window.restart_on)}."
    )
    return MedicationInstruction(
        medication.name, medication.drug_class, last_dose_by, window.restart_on, text
    )


def _steroid_instruction(
    medication: Medication, procedure_on: date, defaults: InstructionDefaults
) -> MedicationInstruction | None:
    washout = timedelta(weeks=defaults.systemic_steroid_washout_weeks)
    last_dose_by = procedure_on - washout
    if medication.stopped_on is not None and medication.stopped_on <= last_dose_by:
        return None
    text = (
        f"{medication.name}: the clinic needs your last dose to be on or before "
        f"{long_date(last_dose_by)} ({defaults.systemic_steroid_washout_weeks} weeks before). "
        "Do not stop or change steroid tablets on your own: stopping suddenly can be "
        "dangerous. Your prescriber and the clinic will plan this with you."
    )
    return MedicationInstruction(medication.name, medication.drug_class, last_dose_by, None, text)


def _blood_thinner_instruction(medication: Medication) -> MedicationInstruction:
    text = (
        f"{medication.name} (blood thinner): do not stop it on your own. Your prescriber "
        "decides whether and when to hold it; the clinic will confirm the plan and the date "
        "of your last dose with you."
    )
    return MedicationInstruction(medication.name, medication.drug_class, None, None, text)


def _fixed_items(
    start: datetime, arrive_at: datetime, window: NsaidWindow, defaults: InstructionDefaults
) -> tuple[str, ...]:
    """Instructions every BMAC patient gets (MISSION.md: the service; domain.md §4)."""
    return (
        f"Arrive at {arrive_at:%H:%M} on {long_date(arrive_at.date())}, "
        f"{defaults.arrival_lead_minutes} minutes before your procedure starts at "
        f"{start:%H:%M}.",
        "Plan to be at the clinic for 2 to 3 hours: your marrow is taken, processed in the "
        "lab and injected in the same visit.",
        "Bring photo ID and a list of all your medicines, with the date and time of your "
        "last dose of any blood thinner.",
        "Wear loose, comfortable clothing; you will change into a gown. Leave jewellery and "
        "valuables at home.",
        "Arrange for an adult to drive you home; do not drive yourself after the procedure.",
        "Do not take anti-inflammatory medicines (NSAIDs such as ibuprofen, naproxen or "
        f"diclofenac) from {long_date(window.stop_on)}; you may restart on "
        f"{long_date(window.restart_on)}.",
        "Paracetamol (acetaminophen) is allowed before and after the procedure for pain; "
        "it is not an NSAID.",
        "Tell the clinic before the day if you have a fever or an infection, or could be pregnant.",
    )

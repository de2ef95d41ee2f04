"""Patient instructions for one treatment: before the visit, after it, and when to call.

Pure calculation from the appointment start, the treatment, the patient's medications,
the holds the hold table asks for (``holds.py``), the clinic's phone numbers and today's
date (docs/reference.md §0 defaults; §4 washout windows, call-back triggers; §8, the path's
steps 3 and 6). The English sentences are a convenience; every date is also a field, so the
portal, the PDF and a Spanish template can render their own wording.

What applies to which treatment (issue 8 item 16):
- NSAID hold and restart, paracetamol, the systemic-steroid washout: treatments that rely
  on the body's own healing response (BMAC, BMAC with PRP, PRP). Not cortisone, HA or
  nerve blocks.
- Gown and "an adult drives you home": the marrow harvest only.
- Blood-thinner holds, after-care and the full list of warning signs: every injection.

Date conventions:
- The NSAID **stop date** is the first NSAID-free day: procedure date - 7 days. The patient
  takes none on or after it, so there are 7 full NSAID-free days before the procedure day.
- The NSAID **restart date** mirrors it: 7 full NSAID-free days after the procedure day, so
  the first day NSAIDs are allowed again is procedure date + 7 + 1 days.
- A date already past on ``today`` is never given as something to do: the patient is told
  what to do now and to call the clinic (issue 9 item 3).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta

from marrowtrack.intake.facts import DrugClass, Medication, MedicationHold, Treatment

BLOOD_THINNERS = frozenset({DrugClass.ANTICOAGULANT, DrugClass.ANTIPLATELET})
HEALING_RESPONSE = frozenset({Treatment.BMAC, Treatment.BMAC_PRP, Treatment.PRP})
HARVEST = frozenset({Treatment.BMAC, Treatment.BMAC_PRP})
NEEDLE = frozenset(Treatment) - {Treatment.EXERCISE}


@dataclass(frozen=True)
class InstructionDefaults:
    """Clinic-configurable defaults (docs/reference.md §0)."""

    nsaid_hold_days_before: int = 7
    nsaid_avoid_days_after: int = 7
    systemic_steroid_washout_weeks: int = 4
    systemic_steroid_avoid_weeks_after: int = 4
    arrival_lead_minutes: int = 30

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{field.name} must be a whole number >= 0, got {value!r}")


DEFAULT_INSTRUCTION_DEFAULTS = InstructionDefaults()


@dataclass(frozen=True)
class Phones:
    clinic: str = ""
    after_hours: str = ""

    def call(self) -> str:
        """'call the clinic on 555 0100 (after hours 555 0199)', whatever is known."""
        number = f" on {self.clinic}" if self.clinic else ""
        late = f" (after hours {self.after_hours})" if self.after_hours else ""
        return f"call the clinic{number}{late}"


@dataclass(frozen=True)
class BloodThinnerHold:
    """What the hold table asks of one blood thinner (from ``holds.RequiredHold``)."""

    medication: Medication
    days: int
    last_dose_by: date
    hold: MedicationHold | None


@dataclass(frozen=True)
class NsaidWindow:
    stop_on: date  # first NSAID-free day
    restart_on: date  # first day NSAIDs are allowed again


@dataclass(frozen=True)
class MedicationInstruction:
    name: str
    drug_class: DrugClass
    last_dose_by: date | None  # None: the prescriber decides, or the date has passed
    restart_on: date | None  # None: the prescriber decides
    text: str


@dataclass(frozen=True)
class WarningSigns:
    call_clinic: tuple[str, ...]
    call_emergency: tuple[str, ...]
    how_to_call: str


@dataclass(frozen=True)
class PreProcedureInstructions:
    procedure_start: datetime
    arrive_at: datetime
    treatment: Treatment
    nsaid_stop_on: date | None  # None: no NSAID hold for this treatment
    nsaid_restart_on: date | None
    nsaid_hold_too_short: bool  # fewer NSAID-free days remain than the clinic asks for
    medications: tuple[MedicationInstruction, ...]
    acetaminophen_allowed: bool
    fixed_items: tuple[str, ...]
    after_care: tuple[str, ...]
    warning_signs: WarningSigns | None


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
    treatment: Treatment = Treatment.BMAC,
    today: date | None = None,
    blood_thinner_holds: Iterable[BloodThinnerHold] = (),
    hold_plans: Iterable[MedicationHold] = (),
    phones: Phones = Phones(),
    defaults: InstructionDefaults = DEFAULT_INSTRUCTION_DEFAULTS,
) -> PreProcedureInstructions:
    """Compute a patient's instructions for one appointment.

    ``procedure_start`` must be timezone-aware; its calendar date is taken in its own
    timezone, so pass it in the clinic's zone (``timezone.localtime``). ``today`` (the
    clinic's date) defaults to the procedure date's own past, i.e. nothing has passed.
    """
    if procedure_start.tzinfo is None or procedure_start.utcoffset() is None:
        raise ValueError("procedure_start must be timezone-aware")
    day = _Day(procedure_start, treatment, today, phones, defaults)
    medications = tuple(medications)
    affected = _nsaid_instructions(day, medications, tuple(hold_plans))
    affected += _steroid_instructions(day, medications)
    affected += tuple(_blood_thinner_instruction(day, need) for need in blood_thinner_holds)
    window = day.nsaid_window
    return PreProcedureInstructions(
        procedure_start=procedure_start,
        arrive_at=day.arrive_at,
        treatment=treatment,
        nsaid_stop_on=window.stop_on if window else None,
        nsaid_restart_on=window.restart_on if window else None,
        nsaid_hold_too_short=day.nsaid_too_short,
        medications=affected,
        acetaminophen_allowed=treatment in HEALING_RESPONSE,
        fixed_items=_before_you_come(day),
        after_care=_after_care(day),
        warning_signs=warning_signs(treatment, phones) if treatment in NEEDLE else None,
    )


class _Day:
    """The facts every sentence needs: the day, the treatment, what has already passed."""

    def __init__(
        self,
        start: datetime,
        treatment: Treatment,
        today: date | None,
        phones: Phones,
        defaults: InstructionDefaults,
    ) -> None:
        self.start, self.treatment, self.phones, self.defaults = start, treatment, phones, defaults
        self.on = start.date()
        self.today = today if today is not None else date.min
        self.arrive_at = start - timedelta(minutes=defaults.arrival_lead_minutes)
        self.nsaid_window = (
            nsaid_window(
                self.on,
                hold_days_before=defaults.nsaid_hold_days_before,
                avoid_days_after=defaults.nsaid_avoid_days_after,
            )
            if treatment in HEALING_RESPONSE
            else None
        )

    @property
    def nsaid_too_short(self) -> bool:
        return self.nsaid_window is not None and self.nsaid_window.stop_on < self.today

    def passed(self, day: date) -> bool:
        return day < self.today


# --- medicines ----------------------------------------------------------------------------


def _nsaid_instructions(
    day: _Day, medications: tuple[Medication, ...], plans: tuple[MedicationHold, ...]
) -> tuple[MedicationInstruction, ...]:
    window = day.nsaid_window
    if window is None:
        return ()
    found = []
    for m in medications:
        if m.drug_class != DrugClass.NSAID or not m.taken_on_or_after(window.stop_on):
            continue
        plan = next((p for p in plans if m.ref and p.medication_ref == m.ref), None)
        found.append(_nsaid_instruction(day, m, plan))
    return tuple(found)


def _nsaid_instruction(
    day: _Day, medication: Medication, plan: MedicationHold | None
) -> MedicationInstruction:
    window = day.nsaid_window
    assert window is not None
    last = plan.last_dose_on if plan else window.stop_on - timedelta(days=1)
    restart = (plan.restart_on if plan else None) or window.restart_on
    if day.passed(last + timedelta(days=1)):
        text = (
            f"{medication.name}: take no more from today, {long_date(day.today)}, until "
            f"{long_date(restart)}. Fewer NSAID-free days are left before your procedure than "
            f"we ask for: {day.phones.call()} today, and the team will decide whether the "
            "date stays."
        )
        return MedicationInstruction(medication.name, medication.drug_class, None, restart, text)
    decided = f" (as planned with {plan.prescriber})" if plan else ""
    text = (
        f"{medication.name}: take your last dose on or before {long_date(last)}{decided}. "
        f"Take none after that; you may restart on {long_date(restart)}."
    )
    return MedicationInstruction(medication.name, medication.drug_class, last, restart, text)


def _steroid_instructions(
    day: _Day, medications: tuple[Medication, ...]
) -> tuple[MedicationInstruction, ...]:
    if day.treatment not in HEALING_RESPONSE:
        return ()
    weeks = day.defaults.systemic_steroid_washout_weeks
    last_dose_by = day.on - timedelta(weeks=weeks)
    found = []
    for m in medications:
        if m.drug_class != DrugClass.SYSTEMIC_CORTICOSTEROID:
            continue
        if m.stopped_on is not None and m.stopped_on <= last_dose_by:
            continue
        when = (
            "your prescriber and the clinic will talk with you about it before the day"
            if day.passed(last_dose_by)
            else f"the clinic needs your last dose to be on or before {long_date(last_dose_by)} "
            f"({weeks} weeks before)"
        )
        text = (
            f"{m.name}: {when}. Do not stop or change steroid tablets on your own: stopping "
            "suddenly can be dangerous. Your prescriber and the clinic will plan this with you."
        )
        by = None if day.passed(last_dose_by) else last_dose_by
        found.append(MedicationInstruction(m.name, m.drug_class, by, None, text))
    return tuple(found)


def _blood_thinner_instruction(day: _Day, need: BloodThinnerHold) -> MedicationInstruction:
    m, hold = need.medication, need.hold
    restart = hold.restart_on if hold else None
    restart_text = f" Restart on {long_date(restart)}." if restart else ""
    if hold is not None and not day.passed(hold.last_dose_on + timedelta(days=1)):
        text = (
            f"{m.name} (blood thinner): {hold.prescriber} has planned your last dose on "
            f"{long_date(hold.last_dose_on)}. Take none after that until the restart."
            f"{restart_text}"
        )
        by = hold.last_dose_on
    elif day.passed(need.last_dose_by + timedelta(days=1)):
        text = (
            f"{m.name} (blood thinner): take no more doses now unless your prescriber has told "
            f"you otherwise, and {day.phones.call()} today: the procedure needs "
            f"{need.days} full days without it.{restart_text}"
        )
        by = None
    else:
        text = (
            f"{m.name} (blood thinner): do not stop it on your own. For this procedure it is "
            f"usually stopped for {need.days} full days (last dose on or before "
            f"{long_date(need.last_dose_by)}), but your prescriber decides; the clinic will "
            "confirm the plan with you."
        )
        by = need.last_dose_by
    return MedicationInstruction(m.name, m.drug_class, by, restart, text)


# --- before, after, warning signs -------------------------------------------------------------

_VISIT = {
    Treatment.BMAC: "Plan to be at the clinic for 2 to 3 hours: your marrow is taken, processed "
    "in the lab and injected in the same visit.",
    Treatment.BMAC_PRP: "Plan to be at the clinic for 2 to 3 hours: your marrow and a tube of "
    "blood are taken, processed in the lab and injected in the same visit.",
    Treatment.PRP: "Plan to be at the clinic for about an hour: a tube of blood is taken and "
    "processed, then injected.",
}


def _before_you_come(day: _Day) -> tuple[str, ...]:
    arrive = day.arrive_at
    items = [
        f"Arrive at {arrive:%H:%M} on {long_date(arrive.date())}, "
        f"{day.defaults.arrival_lead_minutes} minutes before your appointment starts at "
        f"{day.start:%H:%M}.",
        _VISIT.get(day.treatment, "Plan to be at the clinic for about 30 to 60 minutes."),
        "Bring photo ID and a list of all your medicines, with the date and time of your "
        "last dose of any blood thinner.",
    ]
    if day.treatment in HARVEST:
        items += [
            "Wear loose, comfortable clothing; you will change into a gown. Leave jewellery "
            "and valuables at home.",
            "Arrange for an adult to drive you home; do not drive yourself after the procedure.",
        ]
    else:
        items.append("Wear loose clothing that lets us reach the area being treated easily.")
    items += _nsaid_items(day)
    items.append(
        "Tell the clinic before the day if you have a fever or an infection, or could be pregnant."
    )
    return tuple(items)


def _nsaid_items(day: _Day) -> list[str]:
    window = day.nsaid_window
    if window is None:
        return []
    if day.nsaid_too_short:
        first = (
            "Do not take anti-inflammatory medicines (NSAIDs such as ibuprofen, naproxen or "
            f"diclofenac) from today until {long_date(window.restart_on)}."
        )
    else:
        first = (
            "Do not take anti-inflammatory medicines (NSAIDs such as ibuprofen, naproxen or "
            f"diclofenac) from {long_date(window.stop_on)}; you may restart on "
            f"{long_date(window.restart_on)}."
        )
    return [
        first,
        "Paracetamol (acetaminophen) is allowed before and after the procedure for pain; "
        "it is not an NSAID.",
    ]


def _after_care(day: _Day) -> tuple[str, ...]:
    common = (
        "Keep the dressing clean and dry until the next day.",
        "Paracetamol (acetaminophen) is allowed for pain.",
    )
    if day.treatment in HEALING_RESPONSE:
        return _healing_after_care(day) + common
    return _AFTER_CARE.get(day.treatment, ()) + (common if day.treatment in NEEDLE else ())


def _healing_after_care(day: _Day) -> tuple[str, ...]:
    window = day.nsaid_window
    assert window is not None
    weeks = day.defaults.systemic_steroid_avoid_weeks_after
    items = [
        "The treated area is usually more painful than before for 2 to 5 days: this is an "
        "expected reaction.",
        f"Do not take anti-inflammatory medicines (NSAIDs) until {long_date(window.restart_on)}: "
        "the inflammation is part of the intended response.",
        f"Avoid steroid tablets or injections for {weeks} weeks after the procedure unless your "
        "own doctor needs you to take them; tell them about this treatment.",
    ]
    if day.treatment in HARVEST:
        items.insert(
            1,
            "Ice packs help the sore hip where the marrow was taken: 15 to 20 "
            "minutes at a time, with a cloth between the ice and your skin.",
        )
    return tuple(items)


_AFTER_CARE: dict[Treatment, tuple[str, ...]] = {
    Treatment.CSI: (
        "The local anaesthetic wears off in a few hours; the cortisone takes a few days to "
        "work, and the pain may flare for a day or two before it eases.",
        "Rest the treated joint from heavy use for a day or two.",
        "If you have diabetes, check your blood sugar more often for the next few days: "
        "cortisone raises it.",
        "Your face may flush for a day or two; this passes on its own.",
    ),
    Treatment.HA: (
        "The joint may be painful, warm and a little swollen for a few days.",
        "Avoid strenuous activity with the treated joint for two days.",
    ),
    Treatment.NERVE_BLOCK: (
        "The area may be numb or weak for some hours. Protect it from knocks, heat and cold "
        "until the feeling is back.",
        "Do not drive or use machinery until the feeling and strength are fully back.",
    ),
    Treatment.EXERCISE: ("Some muscle soreness for a day or two after new exercises is normal.",),
}


def warning_signs(treatment: Treatment, phones: Phones) -> WarningSigns:
    """The call-back triggers of docs/reference.md §4, in full, for every injection."""
    where = "the hip where the marrow was taken" if treatment in HARVEST else "the injection site"
    call_clinic = (
        "A temperature of 38.0 °C (100.4 °F) or more.",
        "Redness that spreads, red streaks from the site, or pus.",
        "Bleeding that does not stop after 10 to 15 minutes of firm pressure.",
        f"Swelling at {where} that keeps growing or becomes tense.",
        "A hot, swollen joint, or one you cannot put weight on.",
        "Pain that is still getting worse 72 hours (3 days) after the procedure.",
        "New weakness or numbness; numbness between the legs or around the back passage; "
        "any change in bladder or bowel control.",
        "A headache that gets worse when you sit or stand up.",
        "Swelling or pain in a calf.",
        "Hives (an itchy, raised rash).",
    )
    call_emergency = (
        "Chest pain.",
        "Shortness of breath.",
        "Collapse, or fainting that you do not quickly recover from.",
    )
    return WarningSigns(call_clinic, call_emergency, phones.call())

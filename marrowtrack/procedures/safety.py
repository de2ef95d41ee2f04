"""What the procedure team must see where it works (issue 9, item 4): allergies, blood
thinners and their last dose, the weight and when it was measured, the eligibility flags,
and the skin-prep agent the allergies allow.

``prep_agent_for`` is pure; ``encounter_safety`` is the one read the encounter page, each
time-out checklist and the time-out service use, so they all show the same facts.

Skin prep (docs/decisions/0018-harvest-side-safety-summary-procedure-note.md): alcohol-based
chlorhexidine is the default (WHO 2016 SSI guideline, recommendation 4.6; CDC 2017 SSI
guideline); with a chlorhexidine allergy povidone-iodine; with both an alcohol-only prep.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from marrowtrack.core import clock
from marrowtrack.intake.gates import current_decision
from marrowtrack.intake.selectors import day_holds
from marrowtrack.patients.models import Medication
from marrowtrack.patients.selectors import latest_weight

if TYPE_CHECKING:
    from marrowtrack.procedures.models import ProcedureEncounter


@dataclass(frozen=True)
class PrepAgent:
    code: str
    label: str


CHLORHEXIDINE = PrepAgent("chlorhexidine", "Chlorhexidine 2 % in 70 % isopropyl alcohol")
POVIDONE_IODINE = PrepAgent("povidone_iodine", "Povidone-iodine 10 %")
ALCOHOL = PrepAgent("alcohol", "Isopropyl alcohol 70 % (no chlorhexidine, no iodine)")
PREP_AGENTS = (CHLORHEXIDINE, POVIDONE_IODINE, ALCOHOL)
PREP_CHOICES = [(agent.code, agent.label) for agent in PREP_AGENTS]

# Words in an allergy's substance that mean the patient reacts to the agent.
ALLERGENS: dict[str, tuple[str, ...]] = {
    "chlorhexidine": ("chlorhexidine", "hibiclens", "chloraprep", "chg"),
    "povidone_iodine": ("iodine", "povidone", "betadine", "iodophor"),
    "alcohol": ("isopropyl", "alcohol"),
}


def _matches(agent: str, substances: Iterable[str]) -> bool:
    words = ALLERGENS[agent]
    return any(word in substance.lower() for substance in substances for word in words)


def contraindicated_agents(substances: Iterable[str]) -> set[str]:
    listed = list(substances)
    bad = {agent for agent in ALLERGENS if _matches(agent, listed)}
    if "alcohol" in bad:  # the chlorhexidine default is alcohol-based too
        bad.add("chlorhexidine")
    return bad


def prep_agent_for(substances: Iterable[str]) -> PrepAgent | None:
    """The first agent of chlorhexidine → povidone-iodine → alcohol the allergies allow;
    None when none is allowed (the physician chooses and records it)."""
    bad = contraindicated_agents(substances)
    return next((agent for agent in PREP_AGENTS if agent.code not in bad), None)


@dataclass(frozen=True)
class AllergyLine:
    substance: str
    category: str
    reaction: str
    severity: str


@dataclass(frozen=True)
class BloodThinnerLine:
    name: str
    drug_class: str
    dose: str
    last_dose_on: date | None
    restart_on: date | None


@dataclass(frozen=True)
class EncounterSafety:
    allergies: list[AllergyLine]
    no_known_allergies: bool
    blood_thinners: list[BloodThinnerLine]
    weight_kg: Decimal | None
    weight_measured_on: date | None
    weight_age_days: int | None
    hard_stops: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    screened_on: date | None = None
    decision: str = ""
    prep_agent: PrepAgent | None = None
    contraindicated: frozenset[str] = frozenset()

    @property
    def allergies_recorded(self) -> bool:
        return self.no_known_allergies or bool(self.allergies)

    @property
    def restart_on(self) -> date | None:
        dates = [line.restart_on for line in self.blood_thinners if line.restart_on]
        return max(dates) if dates else None


def _finding_text(finding: dict) -> str:
    return str(finding.get("message") or finding.get("rule") or finding)


def encounter_safety(encounter: ProcedureEncounter) -> EncounterSafety:
    """The facts the team checks at every time-out, read once for page and service."""
    patient, plan = encounter.patient, encounter.plan
    today = clock.today(encounter.clinic)
    allergies = [
        AllergyLine(a.substance, a.get_category_display(), a.reaction, a.get_severity_display())
        for a in patient.allergies.filter(archived_at__isnull=True)
    ]
    # The hold plans signed for this patient and this day (ADR 0024), whichever plan.
    holds = {h.medication_id: h for h in day_holds(patient, encounter.day)}
    thinners = [
        BloodThinnerLine(
            m.name,
            m.get_drug_class_display(),
            m.dose,
            holds[m.pk].last_dose_on if m.pk in holds else None,
            holds[m.pk].restart_on if m.pk in holds else None,
        )
        for m in patient.medications.filter(
            archived_at__isnull=True,
            drug_class__in=[Medication.DrugClass.ANTICOAGULANT, Medication.DrugClass.ANTIPLATELET],
        )
        if m.stopped_on is None or m.stopped_on >= today
    ]
    weight = latest_weight(patient)
    decision = current_decision(plan)
    screening = decision.screening if decision else None
    substances = [a.substance for a in allergies]
    return EncounterSafety(
        allergies=allergies,
        no_known_allergies=patient.no_known_allergies,
        blood_thinners=thinners,
        weight_kg=weight.weight_kg if weight else None,
        weight_measured_on=weight.measured_on if weight else None,
        weight_age_days=(today - weight.measured_on).days if weight else None,
        hard_stops=[_finding_text(f) for f in screening.hard_stops] if screening else [],
        flags=[_finding_text(f) for f in screening.flags] if screening else [],
        screened_on=screening.screened_on if screening else None,
        decision=decision.get_verdict_display() if decision else "",
        prep_agent=prep_agent_for(substances),
        contraindicated=frozenset(contraindicated_agents(substances)),
    )

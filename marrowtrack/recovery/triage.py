"""Check-in answers -> triage level: expected, call today, or urgent. Pure.

Source: docs/reference.md §4 "Call-back triggers" (temperature >= 38.0 °C / 100.4 °F; spreading
redness or streaks, pus; bleeding not stopped by 10-15 min of pressure, harvest-site
swelling that grows or turns tense; hot swollen joint with inability to bear weight, pain
still rising after 72 h; new weakness or numbness, saddle anaesthesia, bowel/bladder
change, headache worse upright; chest pain, shortness of breath, calf swelling, hives) and
docs/reference.md §8 "Afterwards" (more pain at the treated site for 2-5 days is expected).

Levels (docs/decisions/0011-recovery-clinical-choices.md):
- URGENT: a clinician must reach the patient within the hour (possible joint or systemic
  infection, uncontrolled bleeding, nerve or spinal compromise, heart or lung, allergy).
- CALL_TODAY: a nurse calls the same day (local signs to assess, pain beyond the expected
  flare, NSAIDs taken inside the avoidance window, or the patient asks for a call).
- EXPECTED: everything else, e.g. treated-site pain above baseline during the flare days
  with no red flag.
Every rule that fires is kept as a finding with its reason; the level is the highest.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

FEVER_C = Decimal("38.0")
TEMPERATURE_RANGE_C = (Decimal("34.0"), Decimal("43.0"))
SEVERE_PAIN = 9  # 9-10 of 10 at either site: pain relief is not working
FLARE_PAIN_WITHOUT_BASELINE = 7  # after the flare days, when no baseline pain is known
RISING_AFTER_DAY = 3  # "pain still rising after 72 h": from day 4 on


class Level(StrEnum):
    EXPECTED = "expected"
    CALL_TODAY = "call_today"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        return {"expected": 0, "call_today": 1, "urgent": 2}[self.value]


class Redness(StrEnum):
    NONE = "none"
    AROUND_PUNCTURE = "around_puncture"  # a small pink area around the needle mark
    SPREADING = "spreading"  # spreading redness or red streaks


class Swelling(StrEnum):
    NONE = "none"
    MILD = "mild"
    HARVEST_GROWING = "harvest_growing"  # swelling at the hip that grows or turns tense
    HOT_JOINT = "hot_joint"  # the treated joint is hot and swollen


class Drainage(StrEnum):
    NONE = "none"
    CLEAR = "clear"  # a little clear or pink fluid on the dressing
    PUS = "pus"


class Bleeding(StrEnum):
    NONE = "none"
    STOPPED = "stopped"  # oozing that stopped with pressure
    NOT_STOPPING = "not_stopping"  # not stopped after 10-15 minutes of firm pressure


class Sign(StrEnum):
    CHEST_PAIN = "chest_pain"
    BREATHLESS = "breathless"
    HIVES = "hives"  # hives, or swelling of the face, lips or tongue
    BOWEL_BLADDER = "bowel_bladder"  # new bowel or bladder trouble, or numb "saddle" area
    HEADACHE_UPRIGHT = "headache_upright"  # headache that is worse sitting or standing up
    CALF_SWELLING = "calf_swelling"


@dataclass(frozen=True)
class Answers:
    treated_pain: int
    harvest_pain: int | None  # None when the treatment has no harvest
    temperature_c: Decimal | None  # None when not measured
    feverish: bool
    redness: Redness = Redness.NONE
    swelling: Swelling = Swelling.NONE
    cannot_bear_weight: bool = False  # cannot put weight on, or use, the treated limb
    drainage: Drainage = Drainage.NONE
    bleeding: Bleeding = Bleeding.NONE
    new_numbness_or_weakness: bool = False
    signs: frozenset[Sign] = frozenset()
    nsaids_taken: bool = False
    wants_call: bool = False


@dataclass(frozen=True)
class Context:
    day: int  # days since the injection
    flare_last_day: int  # last day of the expected flare for this treatment
    baseline_pain: int | None  # treated-site pain before treatment (0-10), if known
    previous_treated_pain: int | None  # at the most recent earlier check-in, if any
    in_nsaid_window: bool  # the check-in day is before the NSAID restart date


@dataclass(frozen=True)
class Finding:
    code: str
    level: Level
    reason: str


@dataclass(frozen=True)
class Triage:
    level: Level
    findings: tuple[Finding, ...]

    @property
    def reasons(self) -> list[str]:
        return [f.reason for f in self.findings]


def to_celsius(value: Decimal, unit: str) -> Decimal:
    """°F -> °C exactly in decimal arithmetic, so 100.4 °F is 38.0 °C, not 37.99999."""
    if unit == "C":
        return value
    if unit == "F":
        return (value - 32) * 5 / 9
    raise ValueError(f"unit must be C or F, not {unit!r}")


def _urgent(a: Answers) -> list[Finding]:
    found = []
    if a.temperature_c is not None and a.temperature_c >= FEVER_C:
        found.append(("fever", f"Temperature {a.temperature_c:.1f} °C (38.0 °C or more)"))
    if a.bleeding == Bleeding.NOT_STOPPING:
        found.append(("bleeding", "Bleeding not stopped by 10-15 minutes of pressure"))
    if a.swelling == Swelling.HOT_JOINT and a.cannot_bear_weight:
        found.append(
            ("hot_joint_cannot_use", "Hot, swollen joint and cannot bear weight or use it")
        )
    if a.new_numbness_or_weakness:
        found.append(("new_neuro", "New numbness or weakness"))
    if Sign.BOWEL_BLADDER in a.signs:
        found.append(("bowel_bladder", "New bowel or bladder change, or saddle numbness"))
    if a.signs & {Sign.CHEST_PAIN, Sign.BREATHLESS}:
        found.append(("chest_breathing", "Chest pain or shortness of breath"))
    if Sign.HIVES in a.signs:
        found.append(("allergy", "Hives, or swelling of the face, lips or tongue"))
    if len(_infection_signs(a)) >= 2:
        signs = ", ".join(_infection_signs(a))
        found.append(("infection_signs", f"Several signs of infection together: {signs}"))
    return [Finding(code, Level.URGENT, reason) for code, reason in found]


def _infection_signs(a: Answers) -> list[str]:
    signs = []
    if a.feverish:
        signs.append("feels feverish")
    if a.redness == Redness.SPREADING:
        signs.append("spreading redness")
    if a.drainage == Drainage.PUS:
        signs.append("pus")
    if a.swelling == Swelling.HOT_JOINT:
        signs.append("hot swollen joint")
    return signs


def _local_signs(a: Answers) -> list[tuple[str, str]]:
    found = []
    if a.feverish and (a.temperature_c is None or a.temperature_c < FEVER_C):
        found.append(("feverish", "Feels feverish or shivery (no temperature of 38.0 °C)"))
    if a.redness == Redness.SPREADING:
        found.append(("spreading_redness", "Spreading redness or red streaks"))
    if a.drainage == Drainage.PUS:
        found.append(("pus", "Pus from a needle site"))
    if a.swelling == Swelling.HOT_JOINT and not a.cannot_bear_weight:
        found.append(("hot_joint", "Hot, swollen joint (can still use it)"))
    if a.swelling == Swelling.HARVEST_GROWING:
        found.append(("harvest_swelling", "Swelling at the hip that grows or feels tense"))
    if Sign.HEADACHE_UPRIGHT in a.signs:
        found.append(("headache_upright", "Headache that is worse sitting or standing up"))
    if Sign.CALF_SWELLING in a.signs:
        found.append(("calf_swelling", "Calf swelling"))
    return found


def _pain(a: Answers, c: Context) -> list[tuple[str, str]]:
    found = []
    worst = max(a.treated_pain, a.harvest_pain or 0)
    if worst >= SEVERE_PAIN:
        found.append(("severe_pain", f"Pain {worst}/10"))
    prev = c.previous_treated_pain
    if c.day > RISING_AFTER_DAY and prev is not None and a.treated_pain > prev:
        found.append(
            ("pain_rising", f"Pain still rising on day {c.day} ({prev} -> {a.treated_pain})")
        )
    if c.day > c.flare_last_day and _above_flare_limit(a.treated_pain, c.baseline_pain):
        limit = "baseline" if c.baseline_pain is not None else "the expected flare"
        found.append(("flare_prolonged", f"Pain {a.treated_pain}/10 on day {c.day}, above {limit}"))
    return found


def _above_flare_limit(pain: int, baseline: int | None) -> bool:
    if baseline is None:
        return pain >= FLARE_PAIN_WITHOUT_BASELINE
    return pain > baseline


def _call_today(a: Answers, c: Context) -> list[Finding]:
    found = _local_signs(a) + _pain(a, c)
    if a.nsaids_taken and c.in_nsaid_window:
        found.append(
            ("nsaids_taken", "Took anti-inflammatory medicines (NSAIDs) in the avoidance window")
        )
    if a.wants_call:
        found.append(("wants_call", "Asked for a call"))
    return [Finding(code, Level.CALL_TODAY, reason) for code, reason in found]


def triage(answers: Answers, context: Context) -> Triage:
    """Every rule that fires, and the highest level among them (EXPECTED if none)."""
    findings = tuple(_urgent(answers) + _call_today(answers, context))
    level = max((f.level for f in findings), key=lambda lv: lv.rank, default=Level.EXPECTED)
    return Triage(level, findings)

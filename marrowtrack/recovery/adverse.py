"""Adverse events: the vocabulary and the rules a record must satisfy as a whole. Pure.

Sources: docs/reference.md §4 "Adverse events" (grade 1-5, serious,
relatedness UNRELATED...DEFINITE, site HARVEST/TARGET/SYSTEMIC); grades follow the CTCAE
v5.0 general definitions (1 mild, 2 moderate, 3 severe or medically significant, 4
life-threatening, 5 death related to the AE); "serious" follows the ICH E2A criteria
(death, life-threatening, in-patient hospitalisation, persistent disability, congenital
anomaly, important medical event).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

TYPES: dict[str, str] = {
    "harvest_site_pain": "Harvest-site pain",
    "haematoma": "Haematoma",
    "bleeding": "Bleeding",
    "infection": "Infection",
    "septic_arthritis": "Septic arthritis",
    "flare_prolonged": "Post-injection flare beyond the expected",
    "vasovagal": "Vasovagal reaction",
    "anaesthetic_toxicity": "Local anaesthetic toxicity",
    "allergic_reaction": "Allergic reaction",
    "nerve_irritation": "Nerve irritation",
    "pdph": "Post-dural-puncture headache",
    "other": "Other",
}
SITES: dict[str, str] = {"harvest": "Harvest site", "target": "Target site", "systemic": "Systemic"}
# Types that can only be at one site.
FIXED_SITE: dict[str, str] = {
    "harvest_site_pain": "harvest",
    "septic_arthritis": "target",
    "flare_prolonged": "target",
    "vasovagal": "systemic",
    "anaesthetic_toxicity": "systemic",
    "pdph": "target",
}
GRADES: dict[int, str] = {
    1: "1 Mild",
    2: "2 Moderate",
    3: "3 Severe or medically significant",
    4: "4 Life-threatening",
    5: "5 Death",
}
SERIOUS_CRITERIA: dict[str, str] = {
    "death": "Death",
    "life_threatening": "Life-threatening",
    "hospitalisation": "In-patient hospitalisation or prolonged stay",
    "disability": "Persistent or significant disability",
    "congenital_anomaly": "Congenital anomaly",
    "important_medical_event": "Important medical event",
}
RELATEDNESS: dict[str, str] = {
    "unrelated": "Unrelated",
    "unlikely": "Unlikely",
    "possible": "Possible",
    "probable": "Probable",
    "definite": "Definite",
}
ACTIONS: dict[str, str] = {
    "none": "None",
    "observation": "Observation",
    "analgesia": "Pain relief",
    "antibiotics": "Antibiotics",
    "pressure_dressing": "Pressure or dressing",
    "aspiration_drainage": "Aspiration or drainage",
    "ed_referral": "Sent to the emergency department",
    "admission": "Admitted to hospital",
    "surgery": "Surgery",
    "other": "Other",
}
OUTCOMES: dict[str, str] = {
    "recovered": "Recovered / resolved",
    "recovering": "Recovering / resolving",
    "not_recovered": "Not recovered / not resolved",
    "recovered_with_sequelae": "Recovered with sequelae",
    "fatal": "Fatal",
    "unknown": "Unknown",
}
RESOLVED_OUTCOMES = frozenset({"recovered", "recovered_with_sequelae"})


@dataclass(frozen=True)
class EventFacts:
    event_type: str
    event_type_other: str
    site: str
    onset_on: date
    grade: int
    serious: bool
    serious_criteria: frozenset[str]
    relatedness: str
    actions: frozenset[str]
    outcome: str
    resolved_on: date | None


@dataclass(frozen=True)
class Setting:
    today: date
    treated_on: date | None  # None: the treatment was not given (e.g. an aborted day)
    harvest: bool  # the treatment included a marrow harvest


Problems = dict[str, list[str]]


def _add(problems: Problems, field: str, message: str) -> None:
    problems.setdefault(field, []).append(message)


def _vocabulary(e: EventFacts, p: Problems) -> None:
    checks: Iterable[tuple[str, object, dict]] = (
        ("event_type", e.event_type, TYPES),
        ("site", e.site, SITES),
        ("grade", e.grade, GRADES),
        ("relatedness", e.relatedness, RELATEDNESS),
        ("outcome", e.outcome, OUTCOMES),
    )
    for field, value, allowed in checks:
        if value not in allowed:
            _add(p, field, f"Choose one of the listed values, not {value!r}.")
    for field, values, allowed in (
        ("serious_criteria", e.serious_criteria, SERIOUS_CRITERIA),
        ("actions", e.actions, ACTIONS),
    ):
        if set(values) - set(allowed):
            _add(p, field, f"Unknown value(s): {', '.join(sorted(set(values) - set(allowed)))}.")


def _type_and_site(e: EventFacts, s: Setting, p: Problems) -> None:
    if e.event_type == "other" and not e.event_type_other.strip():
        _add(p, "event_type_other", "Describe the type when it is 'Other'.")
    fixed = FIXED_SITE.get(e.event_type)
    if fixed and e.site != fixed:
        _add(p, "site", f"{TYPES[e.event_type]} is recorded at the {SITES[fixed].lower()}.")
    if e.site == "harvest" and not s.harvest:
        _add(p, "site", "This treatment had no marrow harvest: there is no harvest site.")


def _grade_and_seriousness(e: EventFacts, p: Problems) -> None:
    if e.serious and not e.serious_criteria:
        _add(p, "serious_criteria", "A serious event needs at least one criterion.")
    if not e.serious and e.serious_criteria:
        _add(p, "serious", "Criteria are ticked: mark the event serious, or untick them.")
    if e.grade == 5 and "death" not in e.serious_criteria:
        _add(p, "serious_criteria", "Grade 5 (death) needs the criterion 'Death'.")
    if "death" in e.serious_criteria and e.grade != 5:
        _add(p, "grade", "The criterion 'Death' means grade 5.")
    if (e.grade == 5) != (e.outcome == "fatal"):
        _add(p, "outcome", "Grade 5 and the outcome 'Fatal' go together.")
    if e.grade == 4 and "life_threatening" not in e.serious_criteria:
        _add(p, "serious_criteria", "Grade 4 (life-threatening) needs 'Life-threatening'.")
    if "admission" in e.actions and "hospitalisation" not in e.serious_criteria:
        _add(p, "serious_criteria", "An admission makes the event serious (hospitalisation).")
    if "none" in e.actions and len(e.actions) > 1:
        _add(p, "actions", "'None' cannot be combined with other actions.")


def _dates(e: EventFacts, s: Setting, p: Problems) -> None:
    if e.onset_on > s.today:
        _add(p, "onset_on", "The onset cannot be in the future.")
    if s.treated_on is not None and e.onset_on < s.treated_on:
        _add(p, "onset_on", f"The onset is before the treatment ({s.treated_on:%Y-%m-%d}).")
    resolved = e.outcome in RESOLVED_OUTCOMES
    if resolved and e.resolved_on is None:
        _add(p, "resolved_on", "Give the date it resolved.")
    if not resolved and e.resolved_on is not None:
        _add(p, "resolved_on", "Only a recovered or resolved event has a resolution date.")
    if e.resolved_on is not None and e.resolved_on < e.onset_on:
        _add(p, "resolved_on", "The resolution date is before the onset.")
    if e.resolved_on is not None and e.resolved_on > s.today:
        _add(p, "resolved_on", "The resolution date cannot be in the future.")


def event_problems(event: EventFacts, setting: Setting) -> Problems:
    """Every rule the record breaks, by field (empty when the record is consistent)."""
    problems: Problems = {}
    _vocabulary(event, problems)
    if problems:
        return problems
    _type_and_site(event, setting, problems)
    _grade_and_seriousness(event, problems)
    _dates(event, setting, problems)
    return problems


# What a check-in finding suggests the event is: (type, site); "harvest?" means the
# harvest site when the treatment had one, else the target.
_FROM_FINDING: dict[str, tuple[str, str]] = {
    "bleeding": ("bleeding", "harvest?"),
    "harvest_swelling": ("haematoma", "harvest"),
    "hot_joint_cannot_use": ("infection", "target"),
    "hot_joint": ("infection", "target"),
    "fever": ("infection", "systemic"),
    "infection_signs": ("infection", "target"),
    "pus": ("infection", "target"),
    "spreading_redness": ("infection", "target"),
    "feverish": ("infection", "systemic"),
    "new_neuro": ("nerve_irritation", "harvest?"),
    "headache_upright": ("pdph", "target"),
    "allergy": ("allergic_reaction", "systemic"),
    "flare_prolonged": ("flare_prolonged", "target"),
    "pain_rising": ("flare_prolonged", "target"),
    "severe_pain": ("flare_prolonged", "target"),
}


def suggest(finding_codes: Iterable[str], *, harvest: bool) -> tuple[str, str] | None:
    """The first finding's suggested (type, site); None when nothing maps."""
    for code in finding_codes:
        if code in _FROM_FINDING:
            event_type, site = _FROM_FINDING[code]
            if site == "harvest?":
                site = "harvest" if harvest else "target"
            return event_type, site
    return None

"""The registry's flat read model, built only from the other apps' selectors.

One `ScoreRow` per response x instrument x score key x time point, carrying the plan's
treatment, condition and target and the patient covariates (sex, age band, severity, BMI,
symptom duration, prior injections), plus whether the row counts by default and, if not, why:

- "unverified": a transcribed paper form not yet checked by a second person;
- "unvalidated wording": collected on MarrowTrack's own labels, not the licensed wording;
- "out of window": answered outside every time point's window (its time point is then the
  one it was asked for, used only when the reader includes excluded data).

The analytics app never queries another app's models: intake, patients, procedures,
outcomes and recovery each expose `registry_*` selectors (docs/decisions/0022).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from marrowtrack.core import clock
from marrowtrack.core.models import Clinic
from marrowtrack.intake.selectors import registry_plans
from marrowtrack.ops.routers import replica_reads
from marrowtrack.outcomes.selectors import (
    registry_followups,
    registry_reinterventions,
    registry_responses,
)
from marrowtrack.patients.selectors import registry_weights
from marrowtrack.procedures.selectors import registry_physicians
from marrowtrack.recovery.selectors import registry_adverse_events

VALIDATED_WORDING = ("text_pack", "licensed_paper")
UNVERIFIED, UNVALIDATED, OUT_OF_WINDOW = "unverified", "unvalidated wording", "out of window"
EXCLUSION_REASONS = (UNVERIFIED, UNVALIDATED, OUT_OF_WINDOW)
HARVEST = ("bmac", "bmac_prp")
AGE_BANDS = ((18, 39), (40, 49), (50, 59), (60, 69), (70, 79), (80, 200))


def age_band(age: int | None) -> str:
    if age is None:
        return ""
    for low, high in AGE_BANDS:
        if low <= age <= high:
            return f"{low}+" if high >= 200 else f"{low}-{high}"
    return "under 18"


def age_on(birth: date | None, day: date | None) -> int | None:
    if birth is None or day is None:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


@dataclass
class PlanRow:
    id: int
    patient_id: int
    condition: str
    target: str
    laterality: str
    treatment: str
    treated_on: date
    sex: str
    date_of_birth: date | None
    age: int | None
    age_band: str
    severity: int | None  # Kellgren-Lawrence grade (knee and hip), when recorded
    symptom_months: int | None
    prior_injections: int
    bmi: float | None
    physician_id: int | None
    repeat_of: int | None


@dataclass(frozen=True)
class ScoreRow:
    plan_id: int
    instrument: str  # the score's instrument (WOMAC derived from a KOOS is "WOMAC")
    asked: str  # the instrument the patient answered
    score_key: str
    timepoint: str | None
    value: float
    answered_on: date | None
    excluded: str  # "" when the row counts by default, else the reason


@dataclass
class Registry:
    today: date
    plans: dict[int, PlanRow]
    scores: list[ScoreRow]
    followups: list[dict]
    adverse_events: list[dict]
    reinterventions: list[dict]
    last_contact: dict[int, date] = field(default_factory=dict)


def exclusion(row: dict) -> str:
    if row["status"] != "submitted":
        return UNVERIFIED
    if row["wording"] not in VALIDATED_WORDING:
        return UNVALIDATED
    if row["timepoint"] is None:
        return OUT_OF_WINDOW
    return ""


def _bmi(height_cm, kg: float | None) -> float | None:
    if not height_cm or not kg:
        return None
    metres = float(height_cm) / 100
    return kg / (metres * metres)


def registry_build(
    *, clinic: Clinic, today: date | None = None, instruments: tuple[str, ...] = ()
) -> Registry:
    """Read the clinic's registry (on the read replica when there is one)."""
    today = today or clock.today(clinic)
    with replica_reads():
        weights = registry_weights(clinic=clinic)
        physicians = registry_physicians(clinic=clinic)
        plans = {}
        for p in registry_plans(clinic=clinic):
            age = age_on(p["date_of_birth"], p["treated_on"])
            plans[p["id"]] = PlanRow(
                id=p["id"],
                patient_id=p["patient_id"],
                condition=p["condition"],
                target=p["target"],
                laterality=p["laterality"],
                treatment=p["treatment"],
                treated_on=p["treated_on"],
                sex=p["sex"],
                date_of_birth=p["date_of_birth"],
                age=age,
                age_band=age_band(age),
                severity=p["kellgren_lawrence_grade"],
                symptom_months=p["symptom_duration_months"],
                prior_injections=p["prior_injections"],
                bmi=_bmi(p["height_cm"], weights.get(p["patient_id"])),
                physician_id=physicians.get(p["id"]),
                repeat_of=p["previous_plan_id"],
            )
        tz = clock.zone(clinic)
        scores: list[ScoreRow] = []
        last_contact: dict[int, date] = {}
        for r in registry_responses(clinic=clinic, instruments=instruments).iterator(
            chunk_size=5000
        ):
            if r["plan_id"] not in plans:
                continue
            day = r["answered_at"].astimezone(tz).date() if r["answered_at"] else None
            if day and (r["plan_id"] not in last_contact or day > last_contact[r["plan_id"]]):
                last_contact[r["plan_id"]] = day
            why = exclusion(r)
            timepoint = r["timepoint"] or r["asked_for"] or None
            for code, values in (r["scores"] or {}).items():
                for key, value in values.items():
                    if isinstance(value, (int, float)) and not isinstance(value, bool):
                        scores.append(
                            ScoreRow(
                                r["plan_id"],
                                code,
                                r["instrument"],
                                key,
                                timepoint,
                                float(value),
                                day,
                                why,
                            )
                        )
        followups = [f for f in registry_followups(clinic=clinic, today=today)]
        events = list(registry_adverse_events(clinic=clinic))
        reinterventions = list(registry_reinterventions(clinic=clinic))
    return Registry(today, plans, scores, followups, events, reinterventions, last_contact)


def scores_by_plan(
    rows: list[ScoreRow], *, include_excluded: bool = False
) -> dict[int, dict[str, dict[str, dict[str, float]]]]:
    """{plan: {time point: {instrument: {score key: value}}}} of the rows that count.

    An instrument asked in its own right wins over the same scores derived from another
    form at the same time point (as in outcomes.selectors.results_table)."""
    table: dict = defaultdict(lambda: defaultdict(dict))
    for own in (False, True):
        for row in rows:
            if row.timepoint is None or (row.excluded and not include_excluded):
                continue
            if (row.instrument == row.asked) != own:
                continue
            table[row.plan_id][row.timepoint].setdefault(row.instrument, {})[row.score_key] = (
                row.value
            )
    return table


# Instruments whose scores are derived from another form's items (scoring.py).
ASKED_FOR = {"WOMAC": ("WOMAC", "KOOS", "HOOS"), "KOOS_JR": ("KOOS",), "HOOS_JR": ("HOOS",)}
OARSI_SOURCES = ("WOMAC", "KOOS", "HOOS", "PGA")


def asked_instruments(instrument: str, *, oarsi: bool) -> tuple[str, ...]:
    """The instruments patients answer that carry `instrument`'s scores (and the OMERACT-OARSI
    domains when wanted): the read model reads only these."""
    found = set(ASKED_FOR.get(instrument, (instrument,)))
    if oarsi:
        found.update(OARSI_SOURCES)
    return tuple(sorted(found))

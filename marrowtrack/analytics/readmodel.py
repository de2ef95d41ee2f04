"""The registry's flat read model, built only from the other apps' selectors.

One `PlanRow` per treated plan (treatment, condition, target and the patient covariates: sex,
age band, severity, BMI, symptom duration, prior injections) and the scores as columns
(`ScoreColumns`: one entry per response x instrument x score key x time point, numpy arrays
rather than one object per score; the figures group them with array operations), each with
whether it counts by default and, if not, why:

- "unverified": a transcribed paper form not yet checked by a second person;
- "unvalidated wording": collected on MarrowTrack's own labels, not the licensed wording;
- "out of window": answered outside every time point's window (its time point is then the
  one it was asked for, used only when the reader includes excluded data).

The dashboard reads only the scores it shows, picked out of the responses' JSON by the
database (`registry_build(scores=...)`); the research export reads every score with its day.
The analytics app never queries another app's models: intake, patients, procedures,
outcomes and recovery each expose `registry_*` selectors (docs/decisions/0022).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from functools import cached_property
from operator import attrgetter
from typing import cast

import numpy as np

from marrowtrack.core import clock
from marrowtrack.core.models import Clinic
from marrowtrack.intake.selectors import registry_patient_ids, registry_plans
from marrowtrack.ops.routers import replica_reads
from marrowtrack.outcomes.selectors import (
    NULL_TEXT,
    REGISTRY_SCORE_FIELDS,
    registry_followup_texts,
    registry_followups,
    registry_last_answers,
    registry_reinterventions,
    registry_responses,
    registry_score_columns,
    registry_score_texts,
)
from marrowtrack.patients.selectors import registry_weights
from marrowtrack.procedures.selectors import registry_physicians
from marrowtrack.recovery.selectors import registry_adverse_events

VALIDATED_WORDING = ("text_pack", "licensed_paper")
UNVERIFIED, UNVALIDATED, OUT_OF_WINDOW = "unverified", "unvalidated wording", "out of window"
EXCLUSION_REASONS = (UNVERIFIED, UNVALIDATED, OUT_OF_WINDOW)
HARVEST = ("bmac", "bmac_prp")
NO_DAY = np.iinfo(np.int64).max  # a day number no date has
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
class ScoreColumns:
    """The registry's scores as columns (one entry per response x score read, in read order):
    what the figures compute on with array operations instead of one object per score."""

    plan_id: np.ndarray  # int64
    instrument: np.ndarray  # str objects, as ScoreRow
    asked: np.ndarray
    score_key: np.ndarray
    timepoint: np.ndarray  # str or None
    value: np.ndarray  # float64
    excluded: np.ndarray  # "" or the reason
    answered_on: list[date | None] | None = None  # only when read whole (the research export)

    @classmethod
    def from_rows(cls, rows: Sequence[ScoreRow]) -> ScoreColumns:
        def column(name: str) -> np.ndarray:
            return _objects([getattr(r, name) for r in rows])

        return cls(
            plan_id=np.fromiter((r.plan_id for r in rows), dtype=np.int64, count=len(rows)),
            instrument=column("instrument"),
            asked=column("asked"),
            score_key=column("score_key"),
            timepoint=column("timepoint"),
            value=np.fromiter((r.value for r in rows), dtype=float, count=len(rows)),
            excluded=column("excluded"),
            answered_on=[r.answered_on for r in rows],
        )

    @classmethod
    def concatenate(cls, parts: Sequence[ScoreColumns]) -> ScoreColumns:
        if not parts:
            return cls.from_rows([])

        def joined(name: str) -> np.ndarray:
            return np.concatenate([getattr(p, name) for p in parts])

        days: list[date | None] | None = []
        for part in parts:
            days = None if days is None or part.answered_on is None else days + part.answered_on
        return cls(
            plan_id=joined("plan_id"),
            instrument=joined("instrument"),
            asked=joined("asked"),
            score_key=joined("score_key"),
            timepoint=joined("timepoint"),
            value=joined("value"),
            excluded=joined("excluded"),
            answered_on=days,
        )

    def __len__(self) -> int:
        return len(self.plan_id)

    def rows(self) -> list[ScoreRow]:
        days = self.answered_on or [None] * len(self)
        return [
            ScoreRow(int(p), i, a, k, t, float(v), d, e)
            for p, i, a, k, t, v, d, e in zip(
                self.plan_id.tolist(),
                self.instrument,
                self.asked,
                self.score_key,
                self.timepoint,
                self.value.tolist(),
                days,
                self.excluded,
                strict=True,
            )
        ]

    def latest(
        self, instrument: str, key: str, *, include_excluded: bool
    ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """{time point: (plan ids ascending, values)} of one score: per plan and time point the
        score that counts. An instrument asked in its own right wins over the same scores
        derived from another form at the same time point (as in
        outcomes.selectors.results_table); among equals the last one read wins (the reads
        are in answer order: the later answer)."""
        names, codes = self.timepoint_codes
        at = self.entries_of(instrument, key)
        at = at[codes[at] >= 0]
        if not include_excluded:
            at = at[self.excluded[at] == ""]
        if not len(at):
            return {}
        timepoints, plans = codes[at], self.plan_id[at]
        own = (self.asked[at] == instrument).astype(np.int8)
        # Sorted by time point, plan, then derived before own, then read order: the last entry
        # of a time point and plan wins.
        order = np.lexsort((at, own, plans, timepoints))
        tps, ids = timepoints[order], plans[order]
        last = np.append((tps[1:] != tps[:-1]) | (ids[1:] != ids[:-1]), True)
        tps, ids, values = tps[last], ids[last], self.value[at[order][last]]
        return {
            name: (ids[tps == n], values[tps == n])
            for n, name in enumerate(names)
            if (tps == n).any()
        }

    @cached_property
    def timepoint_codes(self) -> tuple[list[str], np.ndarray]:
        """(the time points' names, each entry's as an index into them; -1 for none)."""
        named = np.flatnonzero(self.timepoint != None)  # noqa: E711 - elementwise over objects
        names, inverse = np.unique(self.timepoint[named].astype(str), return_inverse=True)
        codes = np.full(len(self.timepoint), -1, dtype=np.int64)
        codes[named] = inverse.reshape(-1)
        return [str(name) for name in names.tolist()], codes

    def entries_of(self, instrument: str, key: str) -> np.ndarray:
        """The indices of one score's entries (kept: every figure of a registry asks)."""
        cache = self.__dict__.setdefault("_entries", {})
        if (instrument, key) not in cache:
            chosen = (self.instrument == instrument) & (self.score_key == key)
            cache[(instrument, key)] = np.flatnonzero(chosen)
        return cache[(instrument, key)]


def _objects(values: Sequence[object]) -> np.ndarray:
    """A 1-d object array (np.array would build a 2-d array from a list of tuples)."""
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


@dataclass
class FollowupColumns:
    """Every follow-up as (plan id, time point, status on the registry's day) columns."""

    plan_id: np.ndarray
    timepoint: np.ndarray
    status: np.ndarray

    @classmethod
    def from_tuples(cls, rows: Sequence[tuple[int, str, str]]) -> FollowupColumns:
        return cls(
            np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)),
            _objects([r[1] for r in rows]),
            _objects([r[2] for r in rows]),
        )


class Registry:
    """A clinic's registry on a day: plans (one PlanRow each), scores and follow-ups as
    columns, adverse events and re-interventions as rows, and each plan's last contact.

    Scores may be given as ScoreRows and follow-ups as dicts (the statistics tests build
    registries in memory); `scores` gives the row view back (the research export)."""

    def __init__(
        self,
        today: date,
        plans: dict[int, PlanRow],
        scores: ScoreColumns | Sequence[ScoreRow],
        followups: FollowupColumns | Sequence[dict],
        adverse_events: list[dict],
        reinterventions: list[dict],
        last_contact: dict[int, date] | None = None,
    ) -> None:
        self.today = today
        self.plans = plans
        self.score_columns = (
            scores if isinstance(scores, ScoreColumns) else ScoreColumns.from_rows(scores)
        )
        self.followups = (
            followups
            if isinstance(followups, FollowupColumns)
            else FollowupColumns.from_tuples(
                [(f["plan_id"], f["timepoint"], f["shown_status"]) for f in followups]
            )
        )
        self.adverse_events = adverse_events
        self.reinterventions = reinterventions
        self.last_contact = last_contact or {}
        self._latest: dict[tuple[str, str, bool], dict] = {}
        self._survival: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    @cached_property
    def scores(self) -> list[ScoreRow]:
        return self.score_columns.rows()

    @cached_property
    def plan_columns(self) -> PlanColumns:
        return PlanColumns.of(self.plans)

    @cached_property
    def followup_positions(self) -> np.ndarray:
        """Each follow-up's plan as its position in `plan_columns` (-1: not a registry plan)."""
        return self.plan_columns.positions(self.followups.plan_id)

    @cached_property
    def score_positions(self) -> np.ndarray:
        return self.plan_columns.positions(self.score_columns.plan_id)

    def survival_days(self, kind: str = "") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per plan (plan-column order), as day numbers: the first re-intervention (of `kind`,
        or any; NO_DAY when none), the last contact (the treatment day when none) and the
        treatment day."""
        if kind not in self._survival:
            columns = self.plan_columns
            rows = [r for r in self.reinterventions if not kind or r["kind"] == kind]
            at = columns.positions(np.array([r["plan_id"] for r in rows], dtype=np.int64))
            days = np.array([r["performed_on"].toordinal() for r in rows], dtype=np.int64)
            first = np.full(len(columns.id), NO_DAY, dtype=np.int64)
            np.minimum.at(first, at[at >= 0], days[at >= 0])
            self._survival[kind] = (first, self.last_contact_days, columns.treated_on)
        return self._survival[kind]

    @cached_property
    def last_contact_days(self) -> np.ndarray:
        return np.array(
            [self.last_contact.get(p.id, p.treated_on).toordinal() for p in self.plan_columns.rows],
            dtype=np.int64,
        )

    @cached_property
    def followups_due(self) -> np.ndarray:
        """The follow-ups due (window closed, or completed), as indices."""
        status = self.followups.status
        return np.flatnonzero((status == "completed") | (status == "missed"))

    @cached_property
    def followup_timepoint_codes(self) -> tuple[list[str], np.ndarray]:
        """(the follow-ups' time points, each follow-up's as an index into them)."""
        names, codes = np.unique(self.followups.timepoint.astype(str), return_inverse=True)
        return [str(name) for name in names.tolist()], codes.reshape(-1)

    @cached_property
    def followups_completed(self) -> np.ndarray:
        return self.followups.status == "completed"

    def followups_per_timepoint(self, at: np.ndarray) -> Counter[str]:
        """How many of the follow-ups `at` (indices) each time point has."""
        names, codes = self.followup_timepoint_codes
        counts = np.bincount(codes[at], minlength=len(names))
        return Counter({name: int(n) for name, n in zip(names, counts.tolist(), strict=True) if n})

    def left_out(self, instrument: str, key: str) -> np.ndarray:
        """The indices of one score's entries that do not count by default."""
        at = self.score_columns.entries_of(instrument, key)
        return at[self.score_columns.excluded[at] != ""]

    def latest(
        self, instrument: str, key: str, *, include_excluded: bool = False
    ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """ScoreColumns.latest, kept for the registry's lifetime (every condition asks)."""
        wanted = (instrument, key, include_excluded)
        if wanted not in self._latest:
            self._latest[wanted] = self.score_columns.latest(
                instrument, key, include_excluded=include_excluded
            )
        return self._latest[wanted]

    def score_values(
        self,
        plan_ids: np.ndarray,
        instrument: str,
        key: str,
        timepoint: str,
        *,
        include_excluded: bool = False,
    ) -> np.ndarray:
        """The score that counts of each plan (NaN where none) at `timepoint`."""
        found = self.latest(instrument, key, include_excluded=include_excluded).get(timepoint)
        values = np.full(len(plan_ids), np.nan)
        if found is None or not len(found[0]):
            return values
        ids, scored = found
        at = np.minimum(np.searchsorted(ids, plan_ids), len(ids) - 1)
        hit = ids[at] == plan_ids
        values[hit] = scored[at[hit]]
        return values


@dataclass
class PlanColumns:
    """The plans' filterable fields as arrays in plan-id order (`Filters.mask`)."""

    id: np.ndarray
    condition: np.ndarray
    treatment: np.ndarray
    physician_id: np.ndarray  # -1 when none
    treated_on: np.ndarray  # proleptic ordinal
    sex: np.ndarray
    age_band: np.ndarray
    severity: np.ndarray  # -1 when none
    rows: list[PlanRow]

    def positions(self, plan_ids: np.ndarray) -> np.ndarray:
        """Each plan id's position in these columns, -1 where it is not one of them."""
        if not len(self.id):
            return np.full(len(plan_ids), -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(self.id, plan_ids), len(self.id) - 1)
        return np.where(self.id[at] == plan_ids, at, -1)

    @classmethod
    def of(cls, plans: dict[int, PlanRow]) -> PlanColumns:
        rows = [plans[k] for k in sorted(plans)]

        def field(name: str) -> list:  # map and attrgetter: no Python frame per plan
            return list(map(attrgetter(name), rows))

        def ints(values: list[int | None]) -> np.ndarray:
            """Integers, -1 for None (None reads NaN as a float first)."""
            floats = np.array(values, dtype=float)
            return np.where(np.isnan(floats), -1, floats).astype(np.int64)

        return cls(
            id=np.array(field("id"), dtype=np.int64),
            condition=_objects(field("condition")),
            treatment=_objects(field("treatment")),
            physician_id=ints(field("physician_id")),
            treated_on=np.array(list(map(date.toordinal, field("treated_on"))), dtype=np.int64),
            sex=_objects(field("sex")),
            age_band=_objects(field("age_band")),
            severity=ints(field("severity")),
            rows=rows,
        )


def exclusion_of(status: str, wording: str, timepoint: str | None) -> str:
    if status != "submitted":
        return UNVERIFIED
    if wording not in VALIDATED_WORDING:
        return UNVALIDATED
    if timepoint is None:
        return OUT_OF_WINDOW
    return ""


def exclusion(row: dict) -> str:
    return exclusion_of(row["status"], row["wording"], row["timepoint"])


def _bmi(height_cm, kg: float | None) -> float | None:
    if not height_cm or not kg:
        return None
    metres = float(height_cm) / 100
    return kg / (metres * metres)


def _plans(clinic: Clinic) -> dict[int, PlanRow]:
    weights = registry_weights(clinic=clinic, patients=registry_patient_ids(clinic=clinic))
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
    return plans


def _scores_whole(
    clinic: Clinic, instruments: tuple[str, ...], plans: dict[int, PlanRow]
) -> ScoreColumns:
    """Every numeric score of the responses, read from their JSON (with the answer days)."""
    tz = clock.zone(clinic)
    rows: list[ScoreRow] = []
    for r in registry_responses(clinic=clinic, instruments=instruments).iterator(chunk_size=5000):
        if r["plan_id"] not in plans:
            continue
        day = r["answered_at"].astimezone(tz).date() if r["answered_at"] else None
        why = exclusion(r)
        timepoint = r["timepoint"] or r["asked_for"] or None
        for code, values in (r["scores"] or {}).items():
            for key, value in values.items():
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    rows.append(
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
    return ScoreColumns.from_rows(rows)


def _scores_narrow(
    clinic: Clinic,
    instruments: tuple[str, ...],
    plans: dict[int, PlanRow],
    wanted: tuple[tuple[str, str], ...],
) -> tuple[ScoreColumns, dict[int, date]]:
    """Only the `wanted` scores, picked out by the database, as columns; and each plan's last
    contact (as _last_contact) from the same rows, so the responses are read once."""
    read = _score_read(clinic, instruments, wanted)
    if not len(read[0]):
        return ScoreColumns.concatenate([]), {}
    # In answer order, as registry_responses (a later answer wins among equals: `latest`).
    answered_second = read[-len(wanted) - 1].astype(float)  # None as NaN
    order = np.lexsort((read[0].astype(np.int64), np.nan_to_num(answered_second, nan=-np.inf)))
    _, plan_id, asked, stored_tp, asked_for, status, wording, _, *numbers = (
        column[order] for column in read
    )
    answered_second = answered_second[order]
    plan_ids = plan_id.astype(np.int64)
    known = np.isin(plan_ids, np.fromiter(plans, dtype=np.int64, count=len(plans)))
    timepoint = _timepoints(stored_tp, asked_for)
    excluded = exclusions_of(status, wording, stored_tp)
    parts = []
    for (code, key), texts in zip(wanted, numbers, strict=True):
        value = texts.astype(float)  # float() of each JSON text, None as NaN
        present = known & ~np.isnan(value)
        n = int(present.sum())
        parts.append(
            ScoreColumns(
                plan_id=plan_ids[present],
                instrument=_objects([code] * n),
                asked=asked[present],
                score_key=_objects([key] * n),
                timepoint=timepoint[present],
                value=value[present],
                excluded=excluded[present],
            )
        )
    dated = known & ~np.isnan(answered_second)
    last = _latest_days(plan_ids[dated], answered_second[dated], clock.zone(clinic))
    return ScoreColumns.concatenate(parts), last


def _score_read(
    clinic: Clinic, instruments: tuple[str, ...], wanted: tuple[tuple[str, str], ...]
) -> list[np.ndarray]:
    """The columns of registry_score_columns as arrays: texts as objects (None for NULL),
    numbers as floats (NaN when missing) or as their texts (None when missing), read as one
    text per column when it can be (registry_score_texts)."""
    texts = registry_score_texts(clinic=clinic, scores=wanted, instruments=instruments)
    if texts is None:  # a value holds the separator: row by row
        rows = list(registry_score_columns(clinic=clinic, scores=wanted, instruments=instruments))
        columns = [_objects(column) for column in zip(*rows, strict=True)]
        return columns or [_objects([]) for _ in range(len(REGISTRY_SCORE_FIELDS) + len(wanted))]
    columns = [
        values if isinstance(values, np.ndarray) else _objects(values) for values in texts.values()
    ]
    for column in columns:
        if column.dtype == object:
            column[column == NULL_TEXT] = None
    return columns


def _timepoints(stored: np.ndarray, asked_for: np.ndarray) -> np.ndarray:
    """Each response's time point, else the one it was asked for (out of window), else None:
    `stored or asked_for or None` of every row at once."""
    timepoint = stored.copy()
    empty = (timepoint == None) | (timepoint == "")  # noqa: E711 - elementwise over objects
    timepoint[empty] = asked_for[empty]
    timepoint[(timepoint == None) | (timepoint == "")] = None  # noqa: E711
    return timepoint


def exclusions_of(status: np.ndarray, wording: np.ndarray, stored_tp: np.ndarray) -> np.ndarray:
    """`exclusion_of` of every row at once: the first reason that applies, "" when none."""
    reason = np.full(len(status), "", dtype=object)
    reason[stored_tp == None] = OUT_OF_WINDOW  # noqa: E711 - elementwise over objects
    reason[~np.isin(wording, VALIDATED_WORDING)] = UNVALIDATED
    reason[status != "submitted"] = UNVERIFIED
    return reason


def _latest_days(plan_ids: np.ndarray, seconds: np.ndarray, tz: tzinfo) -> dict[int, date]:
    """{plan id: the clinic day of its latest answer}, from each answer's EpochSecond."""
    ids, inverse = np.unique(plan_ids, return_inverse=True)
    latest = np.full(len(ids), -np.inf)
    np.maximum.at(latest, inverse, seconds)
    return {
        plan: datetime.fromtimestamp(second, tz).date()
        for plan, second in zip(ids.tolist(), latest.tolist(), strict=True)
    }


def _last_contact(
    clinic: Clinic, instruments: tuple[str, ...], plans: dict[int, PlanRow]
) -> dict[int, date]:
    """Each plan's latest answer day (clinic time) among the responses read."""
    tz = clock.zone(clinic)
    return {
        plan_id: last.astimezone(tz).date()
        for plan_id, last in registry_last_answers(clinic=clinic, instruments=instruments)
        if plan_id in plans
    }


def _followups(clinic: Clinic, today: date) -> FollowupColumns:
    """Every follow-up of the clinic with its status on `today`, read as one text per column
    when it can be (registry_followup_texts), else row by row."""
    texts = registry_followup_texts(clinic=clinic, today=today)
    if texts is None:
        return FollowupColumns.from_tuples(list(registry_followups(clinic=clinic, today=today)))
    return FollowupColumns(
        np.asarray(texts["plan_id"]).astype(np.int64),
        _objects(cast(list[str], texts["timepoint"])),
        _objects(cast(list[str], texts["shown_status"])),
    )


def registry_build(
    *,
    clinic: Clinic,
    today: date | None = None,
    instruments: tuple[str, ...] = (),
    scores: tuple[tuple[str, str], ...] | None = None,
) -> Registry:
    """Read the clinic's registry (on the read replica when there is one).

    `scores`: the (instrument, score key) pairs a figure needs; only those are read, picked
    out by the database (the dashboard). Without it every numeric score is read from the
    responses' JSON, with the day each was answered (the research export)."""
    today = today or clock.today(clinic)
    with replica_reads():
        plans = _plans(clinic)
        if not plans:  # nothing of another plan counts: skip the reads
            return Registry(today, plans, [], [], [], [], {})
        if scores is None:
            score_columns = _scores_whole(clinic, instruments, plans)
            last_contact = _last_contact(clinic, instruments, plans)
        else:
            score_columns, last_contact = _scores_narrow(clinic, instruments, plans, scores)
        followups = _followups(clinic, today)
        events = list(registry_adverse_events(clinic=clinic))
        reinterventions = list(registry_reinterventions(clinic=clinic))
    return Registry(today, plans, score_columns, followups, events, reinterventions, last_contact)


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


# The OMERACT-OARSI domains as stored: WOMAC pain and function (asked, or derived from the
# KOOS or HOOS items) and the PGA (analysis.oarsi_for).
OARSI_SCORES = (("WOMAC", "pain"), ("WOMAC", "function"), ("PGA", "total"))


def scores_shown(instrument: str, key: str, *, oarsi: bool) -> tuple[tuple[str, str], ...]:
    """The (instrument, score key) pairs a figure of `instrument`'s `key` reads (and the
    OMERACT-OARSI domains when wanted): `registry_build(scores=...)`."""
    wanted = ((instrument, key),)
    return wanted + tuple(pair for pair in OARSI_SCORES if oarsi and pair not in wanted)

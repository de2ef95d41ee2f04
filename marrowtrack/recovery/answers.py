"""Check-in answers from a form or the API, checked and turned into triage input. Pure.

The questions (issue 13, item 3): pain at the treated site and at the harvest site (0-10),
temperature or feeling feverish, redness, swelling, drainage, bleeding, numbness or
weakness, NSAIDs taken, free text; plus the remaining call-back triggers of docs/reference.md §4
as one "any of these" list, and whether the patient would like a call.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from marrowtrack.recovery import triage as t

NOTE_MAX = 1000
Problems = dict[str, list[str]]


def _pain(data: Mapping[str, Any], field: str, problems: Problems) -> int | None:
    raw = data.get(field)
    if raw in (None, ""):
        problems[field] = ["Choose a number from 0 (no pain) to 10 (worst pain)."]
        return None
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = -1
    if not 0 <= value <= 10 or str(raw).strip() not in {str(value), f"{value}.0"}:
        problems[field] = ["Pain is a whole number from 0 to 10."]
        return None
    return value


def _temperature(data: Mapping[str, Any], problems: Problems) -> tuple[Decimal | None, str]:
    raw, unit = data.get("temperature"), str(data.get("temperature_unit") or "C").upper()
    if raw in (None, ""):
        return None, unit
    if unit not in {"C", "F"}:
        problems["temperature_unit"] = ["Choose °C or °F."]
        return None, unit
    try:
        value = Decimal(str(raw).replace(",", "."))
    except InvalidOperation:
        problems["temperature"] = ["Write the temperature as a number, e.g. 37.2."]
        return None, unit
    celsius = t.to_celsius(value, unit)
    low, high = t.TEMPERATURE_RANGE_C
    if not low <= celsius <= high:
        problems["temperature"] = ["That reading looks wrong: please take your temperature again."]
        return None, unit
    return celsius, unit


def _choice(data: Mapping[str, Any], field: str, enum: type, problems: Problems) -> Any:
    raw = data.get(field) or enum("none")
    try:
        return enum(raw)
    except ValueError:
        problems[field] = ["Choose one of the answers."]
        return enum("none")


def _signs(data: Mapping[str, Any], problems: Problems) -> frozenset[t.Sign]:
    raw = data.get("signs") or []
    values = [raw] if isinstance(raw, str) else list(raw)
    try:
        return frozenset(t.Sign(v) for v in values)
    except ValueError:
        problems["signs"] = ["Tick only the listed signs."]
        return frozenset()


def _flag(data: Mapping[str, Any], field: str) -> bool:
    return data.get(field) in (True, "true", "on", "yes", "1", 1)


def parse(data: Mapping[str, Any], *, harvest: bool) -> tuple[t.Answers, dict[str, Any]] | Problems:
    """(triage answers, the JSON to store) or the problems, field by field."""
    problems: Problems = {}
    treated = _pain(data, "treated_pain", problems)
    harvest_pain = _pain(data, "harvest_pain", problems) if harvest else None
    celsius, unit = _temperature(data, problems)
    answers = t.Answers(
        treated_pain=treated if treated is not None else 0,
        harvest_pain=harvest_pain,
        temperature_c=celsius,
        feverish=_flag(data, "feverish"),
        redness=_choice(data, "redness", t.Redness, problems),
        swelling=_choice(data, "swelling", t.Swelling, problems),
        cannot_bear_weight=_flag(data, "cannot_bear_weight"),
        drainage=_choice(data, "drainage", t.Drainage, problems),
        bleeding=_choice(data, "bleeding", t.Bleeding, problems),
        new_numbness_or_weakness=_flag(data, "new_numbness_or_weakness"),
        signs=_signs(data, problems),
        nsaids_taken=_flag(data, "nsaids_taken"),
        wants_call=_flag(data, "wants_call"),
    )
    if not harvest and answers.swelling == t.Swelling.HARVEST_GROWING:
        problems["swelling"] = ["There was no marrow harvest: choose another answer."]
    if len(str(data.get("note") or "")) > NOTE_MAX:
        problems["note"] = [f"Please keep the note under {NOTE_MAX} characters."]
    if problems:
        return problems
    return answers, _stored(answers, data, unit)


def _stored(a: t.Answers, data: Mapping[str, Any], unit: str) -> dict[str, Any]:
    return {
        "treated_pain": a.treated_pain,
        "harvest_pain": a.harvest_pain,
        "temperature_c": None if a.temperature_c is None else f"{a.temperature_c:.1f}",
        "temperature_entered": f"{data.get('temperature')} {unit}" if a.temperature_c else "",
        "feverish": a.feverish,
        "redness": a.redness.value,
        "swelling": a.swelling.value,
        "cannot_bear_weight": a.cannot_bear_weight,
        "drainage": a.drainage.value,
        "bleeding": a.bleeding.value,
        "new_numbness_or_weakness": a.new_numbness_or_weakness,
        "signs": sorted(s.value for s in a.signs),
        "nsaids_taken": a.nsaids_taken,
        "wants_call": a.wants_call,
    }

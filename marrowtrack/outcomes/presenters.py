"""Plain-data views of definitions, score results and responder rows (for the API and CLI)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from marrowtrack.core.exceptions import ValidationFailed
from marrowtrack.outcomes import scoring
from marrowtrack.outcomes.analysis import TimepointResponders
from marrowtrack.outcomes.instruments import Definition


def instrument_out(definition: Definition) -> dict[str, Any]:
    data = asdict(definition)
    for item in data["items"]:
        item["labels"] = [list(pair) for pair in item["labels"]]
    return data


def score_one(instrument: str, answers: object, *, where: str = "") -> dict[str, Any]:
    """Scores of one answer set as JSON; ValidationFailed naming the item on bad input."""
    if not isinstance(answers, dict):
        raise ValidationFailed({"body": [f"{where}expected a JSON object of item -> value"]})
    try:
        return scoring.score(instrument, answers).to_json()
    except scoring.AnswerError as exc:
        raise ValidationFailed({exc.item_code: [f"{where}{exc.message}"]}) from exc


def score_payload(instrument: str, body: object) -> dict[str, Any] | list[dict[str, Any]]:
    """A JSON object gives one result; an array gives one result per answer set."""
    if isinstance(body, list):
        return [score_one(instrument, a, where=f"answer set {i}: ") for i, a in enumerate(body)]
    return score_one(instrument, body)


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def change_out(row: TimepointResponders) -> dict[str, Any]:
    changes = [
        {
            "instrument": c.instrument,
            "score_key": c.score_key,
            "baseline": _number(c.baseline),
            "follow_up": _number(c.follow_up),
            "change": _number(c.change),
            "percent_improvement": _number(c.percent_improvement),
            "meaningful": c.meaningful,
            "rule": c.rule,
        }
        for c in row.changes
    ]
    oarsi = None
    if row.oarsi is not None:
        oarsi = {**asdict(row.oarsi), "mapping": row.oarsi_note}
    return {"timepoint": row.timepoint, "changes": changes, "oarsi": oarsi}

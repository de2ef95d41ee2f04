"""Plain-data views of definitions, score results and responder rows (for the API and CLI),
and scores in words for pages."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from marrowtrack.core.exceptions import ValidationFailed
from marrowtrack.outcomes import scoring
from marrowtrack.outcomes.analysis import TimepointResponders
from marrowtrack.outcomes.catalogue import timepoint_label
from marrowtrack.outcomes.instruments import Definition
from marrowtrack.outcomes.selectors import clinic_day


def instrument_out(definition: Definition) -> dict[str, Any]:
    data = asdict(definition)
    for item in data["items"]:
        item["labels"] = [list(pair) for pair in item["labels"]]
    data["derives"] = scoring.derived_codes(definition.code)
    return data


def score_words(instrument: str, key: str) -> str:
    """A score in words: 'Knee questionnaire (KOOS): Pain'. Unknown keys keep their name."""
    try:
        definition = scoring.instrument(instrument).definition
    except scoring.UnknownInstrumentError:
        return f"{instrument}: {key}"
    score_key = definition.score_key(key)
    name = definition.plain_name or definition.name
    words = score_key.words if score_key else key.replace("_", " ")
    return name if len(definition.score_keys) == 1 else f"{name}: {words}"


def score_one(
    instrument: str, answers: object, *, where: str = "", derived: bool = False
) -> dict[str, Any]:
    """Scores of one answer set as JSON; ValidationFailed naming the item on bad input.

    With `derived`, {instrument: scores} for it and every instrument scored from its answers.
    """
    if not isinstance(answers, dict):
        raise ValidationFailed({"body": [f"{where}expected a JSON object of item -> value"]})
    try:
        if derived:
            return dict(scoring.score_json(instrument, answers)[0])
        return scoring.score(instrument, answers).to_json()
    except scoring.AnswerError as exc:
        raise ValidationFailed({exc.item_code: [f"{where}{exc.message}"]}) from exc


def score_payload(
    instrument: str, body: object, *, derived: bool = False
) -> dict[str, Any] | list[dict[str, Any]]:
    """A JSON object gives one result; an array gives one result per answer set."""
    if isinstance(body, list):
        return [
            score_one(instrument, a, where=f"answer set {i}: ", derived=derived)
            for i, a in enumerate(body)
        ]
    return score_one(instrument, body, derived=derived)


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def change_out(row: TimepointResponders) -> dict[str, Any]:
    changes = [
        {
            "instrument": c.instrument,
            "score_key": c.score_key,
            "label": score_words(c.instrument, c.score_key),
            "baseline": _number(c.baseline),
            "follow_up": _number(c.follow_up),
            "change": _number(c.change),
            "percent_improvement": _number(c.percent_improvement),
            "meaningful": c.meaningful,
            "criteria": c.criteria,
            "rule": c.rule,
        }
        for c in row.changes
    ]
    oarsi = None
    if row.oarsi is not None:
        oarsi = {**asdict(row.oarsi), "mapping": row.oarsi_note}
    return {
        "timepoint": row.timepoint,
        "label": row.label,
        "changes": changes,
        "oarsi": oarsi,
        "oarsi_note": row.oarsi_note,
        "pgic_responder": row.pgic_responder,
        "left_out_unvalidated": row.left_out_unvalidated,
    }


def score_value_words(instrument: str, key: str, value: object) -> str:
    """'50 on a scale from 0 to 100 (higher is better)', or why there is no score."""
    if value is None:
        return "not enough answers to give a score"
    score_key = scoring.instrument(instrument).definition.score_key(key)
    if score_key is None:
        return f"{value}"
    better = "higher" if score_key.higher_is_better else "lower"
    return f"{value:g} on a scale from {score_key.low:g} to {score_key.high:g} ({better} is better)"


def patient_results(plan: Any, responses: Any) -> list[dict[str, Any]]:
    """The patient's own answers scored, in words: date, time point, questionnaire, scores.

    Only the questionnaire the patient answered (not scores derived from it, such as WOMAC
    from the knee questionnaire), and never a raw score key.
    """
    rows = []
    for response in responses:
        definition = scoring.instrument(response.instrument).definition
        own = response.scores.get(response.instrument, {})
        when = timepoint_label(response.timepoint)
        if response.timepoint is None and response.asked_for:
            when = f"{when} (asked for {timepoint_label(response.asked_for).lower()})"
        rows.append(
            {
                "day": clinic_day(response.answered_at, plan.patient.clinic),
                "when": when,
                "questionnaire": definition.plain_name or definition.name,
                "scores": [
                    (key.words, score_value_words(response.instrument, key.key, own.get(key.key)))
                    for key in definition.score_keys
                ],
                "approximate": not response.validated_wording,
            }
        )
    return rows


def _when(response: Any) -> str:
    when = timepoint_label(response.timepoint)
    if response.status == "submitted" and response.timepoint is None and response.asked_for:
        when = f"{when} (asked for {timepoint_label(response.asked_for).lower()})"
    return when


def response_rows(responses: Any) -> list[dict[str, Any]]:
    """Staff rows: every score in words with its value, reasons, conventions and wording."""
    rows = []
    for response in responses:
        blocks = []
        for code, scores in response.scores.items():
            definition = scoring.instrument(code).definition
            values = [
                (key.words, scores.get(key.key))
                for key in definition.score_keys
                if key.key in scores
            ]
            blocks.append(
                {
                    "name": f"{definition.name} ({code})",
                    "values": values,
                    "reasons": scores.get("reasons", []),
                    "convention": definition.convention,
                }
            )
        rows.append({"response": response, "when": _when(response), "blocks": blocks})
    return rows

"""Questionnaire (one per instrument), QuestionnaireResponse (one answered instrument) and
the score Observations derived from it (docs/fhir.md, "Outcome surveys").

Item texts are the product's own paraphrases, never licensed wording, and the Questionnaire
says so: a receiver must show patients the official form.
"""

from __future__ import annotations

import re
from typing import Any

from marrowtrack.interop import terminology as t
from marrowtrack.interop.fhir.base import (
    Names,
    Resource,
    concept,
    derived_id,
    instant,
    local,
    pruned,
    quantity,
    ref,
    uuid_identifier,
)

RESPONSE_STATUS = {"submitted": "completed"}
UNSAFE = re.compile(r"[^A-Za-z0-9.\-]+")


def version_token(version: str) -> str:
    """An instrument version as it can stand in a canonical URL ('KOOS (LK1.0)' ->
    'KOOS-LK1.0'): canonical references allow no spaces."""
    return UNSAFE.sub("-", version).strip("-") or "unversioned"


def questionnaire_id(instrument: str) -> str:
    # FHIR ids allow letters, digits, '-' and '.', not '_' (KOOS_JR).
    return "instrument-" + instrument.lower().replace("_", "-")


def _item(item: Any) -> dict[str, Any]:
    return {
        "linkId": item.code,
        "text": item.text,
        "type": "decimal" if item.decimals else "integer",
    }


def questionnaire(definition: Any, *, names: Names) -> Resource:
    """An instrument's items and rule version, with its LOINC panel where one exists."""
    panel = t.INSTRUMENT_PANELS.get(definition.code)
    note = definition.text_note if definition.texts_are_paraphrases else ""
    return pruned(
        {
            "resourceType": "Questionnaire",
            "id": questionnaire_id(definition.code),
            "url": names.questionnaire_url(definition.code),
            "version": version_token(definition.version),
            "name": definition.code.replace("-", "_"),
            "title": f"{definition.name} ({definition.version})",
            "status": "active",
            "description": note,
            "copyright": definition.licence,
            "code": [panel.fhir()] if panel else [],
            "item": [_item(item) for item in definition.items],
        }
    )


def _answer(value: object) -> dict[str, Any] | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return {"valueInteger": int(value)}
    if isinstance(value, float):
        return {"valueDecimal": value}
    return None


def _items(definition: Any | None, answers: dict[str, Any]) -> list[dict[str, Any]]:
    codes = definition.item_codes if definition is not None else tuple(answers)
    items = []
    for code in codes:
        answer = _answer(answers.get(code))
        if answer is not None:
            items.append({"linkId": code, "answer": [answer]})
    return items


def questionnaire_response(
    response: Any, *, names: Names, definition: Any | None, ids: dict[str, Any]
) -> Resource:
    """One instrument as answered: raw answers, in the instrument's own item order."""
    url = names.questionnaire_url(response.instrument)
    canonical = f"{url}|{version_token(response.instrument_version)}"
    author = ids.get("entered_by") if response.source == "staff_transcribed" else None
    timepoint = {
        "url": f"{names.namespace}/StructureDefinition/timepoint",
        "valueString": response.timepoint or "unassigned",
    }
    return pruned(
        {
            "resourceType": "QuestionnaireResponse",
            "id": str(response.public_id),
            "identifier": uuid_identifier(response.public_id),
            "extension": [timepoint],
            "basedOn": [ref("CarePlan", ids["plan"])],
            "questionnaire": canonical,
            "status": RESPONSE_STATUS.get(response.status, "in-progress"),
            "subject": ref("Patient", ids["patient"]),
            "authored": instant(response.answered_at),
            "author": ref("Practitioner", author)
            if author
            else (ref("Patient", ids["patient"]) if response.source == "portal" else None),
            "source": ref("Patient", ids["patient"]),
            "item": _items(definition, response.answers or {}),
        }
    )


def _score_code(names: Names, instrument: str, key: str, title: str) -> t.Coding:
    verified = t.INSTRUMENT_SCORES.get((instrument, key))
    return verified or local(names, "instrument-score", f"{instrument}.{key}", f"{title}: {key}")


def score_observations(
    response: Any, *, names: Names, titles: dict[str, str], ids: dict[str, Any]
) -> list[Resource]:
    """One Observation per score the rules computed (never for a null score)."""
    if response.status != "submitted":
        return []
    found = []
    for instrument, scores in (response.scores or {}).items():
        for key, value in scores.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            title = titles.get(instrument, instrument)
            found.append(_score(response, names, ids, instrument, key, title, value))
    return found


def _score(
    response: Any, names: Names, ids: dict, instrument: str, key: str, title: str, value: float
) -> Resource:
    code = _score_code(names, instrument, key, title)
    ident = derived_id(response.public_id, instrument, key)
    return pruned(
        {
            "resourceType": "Observation",
            "id": ident,
            "identifier": [{"system": names.part_system, "value": ident}],
            "status": "final",
            "category": [concept(t.SURVEY)],
            "code": concept(code, f"{title}: {key}"),
            "subject": ref("Patient", ids["patient"]),
            "effectiveDateTime": instant(response.answered_at),
            "valueQuantity": quantity(value, t.SCORE),
            "derivedFrom": [ref("QuestionnaireResponse", response.public_id)],
        }
    )

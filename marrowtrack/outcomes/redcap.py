"""REDCap-compatible names and formats (pure): data dictionary rows, field names, codings.

One REDCap form per instrument (form name = lowercase code), one event per time point
(`baseline_arm_1`, `week_2_arm_1`, ...), record_id = the treatment plan's public id.
Field names are `<form>_<item>` in lowercase (koos_p1, eq5d5l_mo), or the form name for a
single-item instrument whose item has the same code (nprs, pgic). Radio choices are coded
with our stored values ("0, Never | 1, Monthly | ..."), so a REDCap export holds the values
the scores are computed from, never the labels.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from marrowtrack.outcomes.catalogue import REDCAP_EVENTS
from marrowtrack.outcomes.forms import uses_radios
from marrowtrack.outcomes.instruments import Definition, Item
from marrowtrack.outcomes.scoring import instrument_list

DICTIONARY_HEADER = [
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
]
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
EVENT_TIMEPOINTS = {event: code for code, event in REDCAP_EVENTS.items()}


def form_name(definition: Definition) -> str:
    return definition.code.lower()


def field_name(definition: Definition, item: Item) -> str:
    if item.code == definition.code and len(definition.items) == 1:
        return form_name(definition)
    return f"{form_name(definition)}_{item.code.lower()}"


def date_field(definition: Definition) -> str:
    return f"{form_name(definition)}_date"


def complete_field(definition: Definition) -> str:
    return f"{form_name(definition)}_complete"


@dataclass(frozen=True)
class FieldSpec:
    """One records-CSV column: its instrument and item (None for date/complete columns)."""

    name: str
    definition: Definition
    item: Item | None
    role: str  # "item", "date" or "complete"


def record_fields() -> list[FieldSpec]:
    """The records CSV columns after record_id and redcap_event_name, in dictionary order."""
    fields: list[FieldSpec] = []
    for definition in instrument_list():
        fields.append(FieldSpec(date_field(definition), definition, None, "date"))
        fields += [
            FieldSpec(field_name(definition, item), definition, item, "item")
            for item in definition.items
        ]
        fields.append(FieldSpec(complete_field(definition), definition, None, "complete"))
    return fields


def choices(item: Item) -> str:
    labels = dict(item.labels)
    return " | ".join(
        f"{value}, {labels.get(value, value)}" for value in range(item.minimum, item.maximum + 1)
    )


def _row(**values: str) -> list[str]:
    keys = [
        "name",
        "form",
        "section",
        "type",
        "label",
        "choices",
        "note",
        "validation",
        "min",
        "max",
    ]
    row = [values.get(key, "") for key in keys]
    return row + [""] * (len(DICTIONARY_HEADER) - len(row) - 1) + [values.get("annotation", "")]


def _item_row(definition: Definition, item: Item) -> list[str]:
    common = {
        "name": field_name(definition, item),
        "form": form_name(definition),
        "label": item.text,
    }
    if uses_radios(item):
        return _row(**common, type="radio", choices=choices(item))
    validation = "integer" if item.decimals == 0 else f"number_{item.decimals}dp"
    return _row(
        **common, type="text", validation=validation, min=str(item.minimum), max=str(item.maximum)
    )


def dictionary_rows() -> Iterator[list[str]]:
    """REDCap data dictionary rows (header first)."""
    yield DICTIONARY_HEADER
    yield _row(name="record_id", form="registry", type="text", label="Record ID (treatment plan)")
    for definition in instrument_list():
        header = f"{definition.name} ({definition.version}). Licence: {definition.licence}"
        yield _row(
            name=date_field(definition),
            form=form_name(definition),
            section=header,
            type="text",
            label="Date and time answered",
            validation="datetime_seconds_ymd",
            annotation=f"Scoring rules {definition.rule_version}; "
            f"recall: {definition.recall_period or 'none'}",
        )
        yield from (_item_row(definition, item) for item in definition.items)


def encode_value(value: object) -> str:
    """A stored answer as REDCap text: '' for missing, integers plain, decimals as written."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def decode_value(item: Item, text: str) -> int | float | None:
    """A REDCap cell back to a stored answer; ValueError with a message if malformed."""
    text = text.strip()
    if text == "":
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number") from None
    if item.decimals == 0:
        if number != number.to_integral_value():
            raise ValueError(f"{text!r} is not a whole number")
        return int(number)
    # Keep the written form (55 stays an integer, 3.5 a decimal) so a round trip is exact.
    return int(number) if "." not in text and "e" not in text.lower() else float(text)

"""REDCap-compatible names, formats and project files (pure): the data dictionary, the arms,
events and instrument-designation files, field names and value codings.

A new REDCap project takes the dictionary, the arm and events files and the designations, then
the records, with no set-up by hand (REDCap's own import formats; column names as in its
Data Dictionary, "Upload events", "Upload arms" and "Instrument-event mappings" CSV files).
One form per instrument (form name = lowercase code), one event per time point
(`baseline_arm_1`, `week_2_arm_1`, ..., `year_3_arm_1`), record_id = the treatment plan's public
id. Field names are `<form>_<item>` in lowercase (koos_p1, eq5d5l_mo), or the form name for a
single-item instrument whose item has the same code (nprs, pgic). Radio choices are coded with
our stored values ("0, Never | 1, Monthly | ..."). Text fields declare the validation REDCap
applies to what we write: `integer` for whole numbers (the EQ VAS included) and `number_2dp`
for the ASES pain line, whose values are written with exactly two decimals. Survey dates are
`datetime_seconds_ymd` in the clinic's own time zone and carry the identifier flag (dates of
service are identifiers). Each form also records the wording it was answered on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from marrowtrack.outcomes.catalogue import NEVER_AT_BASELINE, redcap_event, timepoint_label
from marrowtrack.outcomes.forms import uses_radios
from marrowtrack.outcomes.instruments import Definition, Item
from marrowtrack.outcomes.schedules import TimepointRule
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
ARMS_HEADER = ["arm_num", "name"]
EVENTS_HEADER = [
    "event_name",
    "arm_num",
    "day_offset",
    "offset_min",
    "offset_max",
    "unique_event_name",
    "custom_event_label",
]
DESIGNATION_HEADER = ["arm_num", "unique_event_name", "form"]
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
ARM = "1"
# The wording a form was answered on (SurveyResponse.Wording) as REDCap radio codes.
WORDING_CODES = {
    "text_pack": ("1", "Licensed wording (installed text pack)"),
    "licensed_paper": ("2", "Licensed paper form"),
    "product_labels": ("3", "MarrowTrack product labels (unvalidated wording)"),
    "not_recorded": ("4", "Not recorded (unvalidated wording)"),
}
WORDING_BY_CODE = {code: wording for wording, (code, _) in WORDING_CODES.items()}


def form_name(definition: Definition) -> str:
    return definition.code.lower()


def field_name(definition: Definition, item: Item) -> str:
    if item.code == definition.code and len(definition.items) == 1:
        return form_name(definition)
    return f"{form_name(definition)}_{item.code.lower()}"


def date_field(definition: Definition) -> str:
    return f"{form_name(definition)}_date"


def wording_field(definition: Definition) -> str:
    return f"{form_name(definition)}_wording"


def form_version_field(definition: Definition) -> str:
    return f"{form_name(definition)}_form_version"


def complete_field(definition: Definition) -> str:
    return f"{form_name(definition)}_complete"


def validation(item: Item) -> str:
    """The REDCap validation type of a text item: what we write must pass it."""
    return "integer" if item.decimals == 0 else f"number_{item.decimals}dp"


@dataclass(frozen=True)
class FieldSpec:
    """One records-CSV column: its instrument and item (None for the form's own columns)."""

    name: str
    definition: Definition
    item: Item | None
    role: str  # "item", "date", "wording", "form_version" or "complete"


def record_fields() -> list[FieldSpec]:
    """The records CSV columns after record_id and redcap_event_name, in dictionary order."""
    fields: list[FieldSpec] = []
    for definition in instrument_list():
        fields.append(FieldSpec(date_field(definition), definition, None, "date"))
        fields += [
            FieldSpec(field_name(definition, item), definition, item, "item")
            for item in definition.items
        ]
        fields.append(FieldSpec(wording_field(definition), definition, None, "wording"))
        fields.append(FieldSpec(form_version_field(definition), definition, None, "form_version"))
        fields.append(FieldSpec(complete_field(definition), definition, None, "complete"))
    return fields


def choices(item: Item) -> str:
    labels = dict(item.labels)
    return " | ".join(
        f"{value}, {labels.get(value, value)}" for value in range(item.minimum, item.maximum + 1)
    )


def _row(**values: str) -> list[str]:
    keys = ["name", "form", "section", "type", "label", "choices", "note", "validation"]
    keys += ["min", "max", "identifier"]
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
    return _row(
        **common,
        type="text",
        validation=validation(item),
        min=encode_value(item, item.minimum),
        max=encode_value(item, item.maximum),
    )


def _form_rows(definition: Definition, time_zone: str) -> Iterator[list[str]]:
    form = form_name(definition)
    header = f"{definition.name} ({definition.version}). Licence: {definition.licence}"
    if definition.convention:
        header += f" Scoring convention: {definition.convention}."
    yield _row(
        name=date_field(definition),
        form=form,
        section=header,
        type="text",
        label="Date and time answered",
        note=f"Clinic local time ({time_zone})",
        validation="datetime_seconds_ymd",
        identifier="y",
        annotation=f"Scoring rules {definition.rule_version}; "
        f"recall: {definition.recall_period or 'none'}; time zone {time_zone}",
    )
    yield from (_item_row(definition, item) for item in definition.items)
    wordings = " | ".join(f"{code}, {label}" for code, label in WORDING_CODES.values())
    yield _row(
        name=wording_field(definition),
        form=form,
        type="radio",
        label="Wording the answers were given on",
        choices=wordings,
    )
    yield _row(
        name=form_version_field(definition),
        form=form,
        type="text",
        label="Text pack or paper form version",
    )


def dictionary_rows(time_zone: str) -> Iterator[list[str]]:
    """REDCap data dictionary rows (header first)."""
    yield DICTIONARY_HEADER
    yield _row(name="record_id", form="registry", type="text", label="Record ID (treatment plan)")
    for definition in instrument_list():
        yield from _form_rows(definition, time_zone)


def event_name(code: str) -> str:
    """The event's name, from which REDCap makes the unique name (Week 2 -> week_2_arm_1)."""
    return redcap_event(code).removesuffix(f"_arm_{ARM}").replace("_", " ").capitalize()


def arm_rows() -> list[list[str]]:
    return [ARMS_HEADER, [ARM, "Treated plans"]]


def event_rows(rules: Sequence[TimepointRule]) -> list[list[str]]:
    """One event per time point, with its target day and window (days before and after)."""
    rows = [EVENTS_HEADER]
    for rule in rules:
        offset = rule.days + round(rule.months * 365.25 / 12)
        rows.append(
            [
                event_name(rule.code),
                ARM,
                str(offset),
                str(rule.before),
                str(rule.after),
                redcap_event(rule.code),
                timepoint_label(rule.code),
            ]
        )
    return rows


def designation_rows(codes: Iterable[str]) -> list[list[str]]:
    """Every instrument's form in every event, except PGIC at baseline (never asked there)."""
    rows = [DESIGNATION_HEADER]
    for code in codes:
        for definition in instrument_list():
            if code == "baseline" and definition.code in NEVER_AT_BASELINE:
                continue
            rows.append([ARM, redcap_event(code), form_name(definition)])
    return rows


def encode_value(item: Item, value: object) -> str:
    """A stored answer as REDCap text: '' for missing, integers plain, decimals padded to the
    item's places (number_2dp wants exactly two: 3.5 is written 3.50)."""
    if value is None:
        return ""
    if item.decimals == 0:
        return str(int(value))  # type: ignore[call-overload]
    return f"{Decimal(str(value)):.{item.decimals}f}"


def decode_value(item: Item, text: str) -> int | float | None:
    """A REDCap cell back to a stored answer; ValueError with a message if malformed."""
    text = text.strip()
    if text == "":
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{text!r} is not a number")
    if item.decimals == 0:
        if number != number.to_integral_value():
            raise ValueError(f"{text!r} is not a whole number")
        return int(number)
    if not re.fullmatch(r"-?\d+(\.\d+)?", text):
        raise ValueError(f"{text!r} is not a plain decimal number")
    return float(number)

"""A checker that reads REDCap project files and records the way REDCap's import does, and
applies REDCap's published validation rules to every value (for tests).

The validation patterns are those of REDCap's `redcap_validation_types` table (regex_php), the
file layouts those of its Data Dictionary, "Upload arms", "Upload events" and
"Instrument-event mappings" CSV files; variable and form names follow REDCap's naming rule
(lowercase letters, digits and underscores, starting with a letter). `<form>_complete` is
added by REDCap to every form and accepts 0, 1 or 2.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

VALIDATION = {
    "integer": r"^[-+]?\b\d+\b$",
    "number": r"^[-+]?[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?$",
    "number_1dp": r"^-?\d+\.\d$",
    "number_2dp": r"^-?\d+\.\d{2}$",
    "number_3dp": r"^-?\d+\.\d{3}$",
    "number_4dp": r"^-?\d+\.\d{4}$",
    "date_ymd": r"^(\d{4})([-\/.])?(0[1-9]|1[012])\2?(0[1-9]|[12][0-9]|3[01])$",
    "datetime_ymd": r"^(\d{4})([-\/.])?(0[1-9]|1[012])\2?(0[1-9]|[12][0-9]|3[01])\s"
    r"([0-9]|[0-1][0-9]|[2][0-3]):([0-5][0-9])$",
    "datetime_seconds_ymd": r"^(\d{4})([-\/.])?(0[1-9]|1[012])\2?(0[1-9]|[12][0-9]|3[01])\s"
    r"([0-9]|[0-1][0-9]|[2][0-3]):([0-5][0-9]):([0-5][0-9])$",
}
NUMERIC = {"integer", "number", "number_1dp", "number_2dp", "number_3dp", "number_4dp"}
FIELD_TYPES = {
    "text", "notes", "radio", "dropdown", "calc", "file", "checkbox", "yesno", "truefalse",
    "descriptive", "slider", "sql",
}  # fmt: skip
NAME = re.compile(r"^[a-z][a-z0-9_]*$")
CHOICE_CODE = re.compile(r"^[A-Za-z0-9_.\-]+$")


@dataclass
class Field:
    name: str
    form: str
    type: str
    choices: dict[str, str]
    validation: str
    minimum: str
    maximum: str


@dataclass
class Project:
    fields: dict[str, Field] = field(default_factory=dict)
    forms: list[str] = field(default_factory=list)
    events: set[str] = field(default_factory=set)
    designated: set[tuple[str, str]] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _choices(text: str) -> dict[str, str]:
    pairs = [part.split(",", 1) for part in text.split("|")]
    return {code.strip(): label.strip() for code, label in pairs if label}


def load_dictionary(project: Project, text: str, header: list[str]) -> None:
    rows = _rows(text)
    if rows[0] != header:
        project.problems.append("dictionary: header is not REDCap's")
    if rows[1][0] != "record_id":
        project.problems.append("dictionary: the first field must be the record id")
    for row in rows[1:]:
        name, form, _, kind, _, choices, _, valid, low, high, ident = row[:11]
        where = f"dictionary {name}"
        if not NAME.match(name) or len(name) > 100 or name in project.fields:
            project.problems.append(f"{where}: bad or repeated variable name")
        if not NAME.match(form):
            project.problems.append(f"{where}: bad form name {form!r}")
        if form in project.forms and project.forms[-1] != form:
            project.problems.append(f"{where}: fields of form {form} are not together")
        if form not in project.forms:
            project.forms.append(form)
        if kind not in FIELD_TYPES:
            project.problems.append(f"{where}: unknown field type {kind!r}")
        parsed = _choices(choices) if kind in ("radio", "dropdown", "checkbox") else {}
        if kind in ("radio", "dropdown", "checkbox") and (
            not parsed or not all(CHOICE_CODE.match(code) for code in parsed)
        ):
            project.problems.append(f"{where}: choices must be 'code, label | ...'")
        if valid and valid not in VALIDATION:
            project.problems.append(f"{where}: unknown validation {valid!r}")
        for bound in (low, high):
            if bound and valid and not re.match(VALIDATION[valid], bound):
                project.problems.append(f"{where}: bound {bound!r} fails {valid}")
        if ident not in ("", "y"):
            project.problems.append(f"{where}: identifier must be 'y' or empty")
        project.fields[name] = Field(name, form, kind, parsed, valid, low, high)


def load_structure(project: Project, arms: str, events: str, designations: str) -> None:
    arm_rows = _rows(arms)
    arm_numbers = {row[0] for row in arm_rows[1:]}
    if arm_rows[0] != ["arm_num", "name"] or not all(n.isdigit() for n in arm_numbers):
        project.problems.append("arms: REDCap wants arm_num,name with whole-number arms")
    event_rows = _rows(events)
    for name, arm, day, before, after, unique, _ in event_rows[1:]:
        expected = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:18] + f"_arm_{arm}"
        if arm not in arm_numbers or unique != expected:
            project.problems.append(f"events: {unique} is not REDCap's name for {name!r}")
        if not all(re.match(VALIDATION["integer"], v) for v in (day, before, after)):
            project.problems.append(f"events: {unique} offsets must be whole numbers")
        project.events.add(unique)
    for arm, unique, form in _rows(designations)[1:]:
        if unique not in project.events or form not in project.forms or arm not in arm_numbers:
            project.problems.append(f"designations: {unique}/{form} names no event or form")
        project.designated.add((unique, form))


def check_value(spec: Field, value: str) -> str | None:
    """Why REDCap would refuse this value of this field, or None."""
    if spec.type in ("radio", "dropdown"):
        return None if value in spec.choices else f"{value!r} is not one of its choices"
    if not spec.validation:
        return None
    if not re.match(VALIDATION[spec.validation], value):
        return f"{value!r} fails the {spec.validation} validation"
    if spec.validation in NUMERIC:
        number = Decimal(value)
        if spec.minimum and number < Decimal(spec.minimum):
            return f"{value} is below {spec.minimum}"
        if spec.maximum and number > Decimal(spec.maximum):
            return f"{value} is above {spec.maximum}"
    return None


def check_records(project: Project, text: str) -> int:
    """Every value of every record row against the dictionary; returns how many were checked."""
    reader = csv.DictReader(io.StringIO(text))
    complete = {f"{form}_complete": form for form in project.forms}
    known = {"record_id", "redcap_event_name", *project.fields, *complete}
    unknown = [name for name in reader.fieldnames or [] if name not in known]
    project.problems += [f"records: unknown field {name}" for name in unknown]
    checked = 0
    for number, row in enumerate(reader, start=2):
        event = row["redcap_event_name"]
        if event not in project.events:
            project.problems.append(f"records row {number}: unknown event {event}")
        for name, value in row.items():
            if name in ("record_id", "redcap_event_name") or value == "":
                continue
            checked += 1
            form = complete.get(name) or project.fields[name].form
            if (event, form) not in project.designated:
                project.problems.append(f"records row {number}: {form} not designated for {event}")
            problem = (
                (None if value in ("0", "1", "2") else "form status must be 0, 1 or 2")
                if name in complete
                else check_value(project.fields[name], value)
            )
            if problem:
                project.problems.append(f"records row {number}, {name}: {problem}")
    return checked


def check_project(files: Mapping[str, str], header: list[str]) -> tuple[list[str], int]:
    """All problems REDCap would raise importing these files in order, and values checked."""
    project = Project()
    load_dictionary(project, files["data_dictionary.csv"], header)
    load_structure(
        project, files["arms.csv"], files["events.csv"], files["instrument_designation.csv"]
    )
    checked = check_records(project, files["records.csv"])
    return project.problems, checked

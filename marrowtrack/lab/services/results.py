"""Late results: what arrives after release (CFU-F at 14 days, CD34+ by flow, sterility),
appended and never edited. Every field is checked here for type, range and length, so a
web form, the API and a command refuse the same input the same way (issue 11, item 8).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from marrowtrack.accounts.access import require_role, require_same_clinic
from marrowtrack.accounts.models import User
from marrowtrack.accounts.roles import Role
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.services import event_record
from marrowtrack.core import clock
from marrowtrack.core.exceptions import ValidationFailed
from marrowtrack.core.validators import validate_plain_notes, validate_plain_text
from marrowtrack.lab import calculations as calc
from marrowtrack.lab.models import LateResult, ProcessingRun

LAB = frozenset({Role.LAB_TECH})
LIMITS = {"value": 40, "unit": 20, "note": 200}
STERILITY_RESULTS = ("No growth", "Growth")
MAX_COLONIES = 100_000
MAX_CELLS_PLATED = 10**10
CD34_UNIT = "/µL"


def _text(name: str, value: Any, *, required: bool, notes: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed({name: ["Must be text."]})
    text = value.strip()
    if required and not text:
        raise ValidationFailed({name: ["This field is required."]})
    if len(text) > LIMITS[name]:
        raise ValidationFailed({name: [f"At most {LIMITS[name]} characters ({len(text)} given)."]})
    try:
        (validate_plain_notes if notes else validate_plain_text)(text)
    except ValidationError as exc:
        raise ValidationFailed({name: list(exc.messages)}) from exc
    return text


def _whole(name: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value).strip())
        except ValueError:
            raise ValidationFailed({name: ["Give a whole number."]}) from None
    if not low <= value <= high:
        raise ValidationFailed({name: [f"Must be between {low:,} and {high:,}."]})
    return value


def _number(name: str, value: str, high: Decimal) -> Decimal:
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValidationFailed({name: ["Give a number."]}) from None
    if not number.is_finite() or not 0 <= number <= high:
        raise ValidationFailed({name: [f"Must be a number from 0 to {high:,}."]})
    return number


def _cfu_f(run: ProcessingRun, d: dict[str, Any]) -> dict[str, Any]:
    if d.get("sample") not in LateResult.Sample.values:
        raise ValidationFailed({"sample": ["Say which sample was cultured."]})
    colonies = _whole("colonies", d.get("colonies"), 0, MAX_COLONIES)
    plated = _whole("cells_plated", d.get("cells_plated"), 1, MAX_CELLS_PLATED)
    tnc = run.pre_tnc_per_ul if d["sample"] == LateResult.Sample.ASPIRATE else run.post_tnc_per_ul
    result = calc.cfu_f(colonies=colonies, cells_plated=plated, tnc_per_ul=tnc)
    per_ml = result["per_ml"].quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    computed = {
        "per_ml": str(per_ml),
        "per_10e6_tnc": str(result["per_10e6_tnc"].quantize(Decimal("0.1"), ROUND_HALF_UP)),
        "tnc_per_ul": str(tnc),
    }
    return {
        "sample": d["sample"],
        "colonies": colonies,
        "cells_plated": plated,
        "value": str(per_ml),
        "unit": "CFU-F/mL",
        "computed": computed,
    }


def _cd34(d: dict[str, Any]) -> dict[str, Any]:
    value = _text("value", d.get("value"), required=True)
    number = _number("value", value, Decimal(1_000_000))
    sample = d.get("sample") or LateResult.Sample.CONCENTRATE
    if sample not in LateResult.Sample.values:
        raise ValidationFailed({"sample": ["Say which sample was measured."]})
    return {"sample": sample, "value": str(number), "unit": CD34_UNIT}


def _sterility(d: dict[str, Any]) -> dict[str, Any]:
    value = _text("value", d.get("value"), required=True)
    if value not in STERILITY_RESULTS:
        raise ValidationFailed({"value": [f"Choose {' or '.join(STERILITY_RESULTS)}."]})
    return {"value": value, "unit": ""}


def _other(d: dict[str, Any]) -> dict[str, Any]:
    return {
        "value": _text("value", d.get("value"), required=True),
        "unit": _text("unit", d.get("unit"), required=True),
    }


READERS = {
    LateResult.Kind.STERILITY: _sterility,
    LateResult.Kind.CD34: _cd34,
    LateResult.Kind.OTHER: _other,
}


def late_result_values(run: ProcessingRun, data: dict[str, Any]) -> dict[str, Any]:
    """The checked, typed values of one late result, by kind."""
    kind = data.get("kind")
    if kind not in LateResult.Kind.values:
        raise ValidationFailed({"kind": ["Choose the kind of result."]})
    note_required = kind == LateResult.Kind.STERILITY and data.get("value") == "Growth"
    note = _text("note", data.get("note"), required=note_required, notes=True)
    values = _cfu_f(run, data) if kind == LateResult.Kind.CFU_F else READERS[kind](data)
    return {"kind": kind, "note": note, **values}


def late_result_add(*, run: ProcessingRun, by: User, **data: Any) -> LateResult:
    """Append a result that arrives after release; earlier rows are never changed.
    ``data``: kind, and per kind value/unit, sample, colonies and cells plated, note."""
    require_same_clinic(by, run.encounter.clinic_id)
    require_role(by, LAB, "record lab results")
    values = late_result_values(run, data)
    with transaction.atomic():
        result = LateResult.objects.create(
            run=run, recorded_at=clock.now(), recorded_by=by, **values
        )
        event_record(
            actor=by,
            action=AuditAction.CREATE,
            target=result,
            changes={name: (None, value) for name, value in values.items() if name != "computed"},
            extra={"computed": values.get("computed", {})},
            patient_public_id=run.encounter.patient.public_id,
        )
    return result

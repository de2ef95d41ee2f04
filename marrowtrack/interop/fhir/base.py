"""Building blocks shared by the resource mappers: ids, references, identifiers, quantities.

Mappers are pure functions from a record (an ORM row already loaded by a selector) to a FHIR
R4 JSON dict; they never query. Ids are the records' public UUIDs; a resource derived from
part of a record (one cell count of a processing run) gets the record's UUID and the part's
name, so the same record always exports under the same id and an id leads to its record.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from marrowtrack.interop.terminology import UCUM, Coding, Unit

Resource = dict[str, Any]


@dataclass(frozen=True)
class Names:
    """Where identifier systems and local code systems live (MARROWTRACK_FHIR_NAMESPACE)."""

    namespace: str

    def mrn_system(self, clinic_code: str) -> str:
        return f"{self.namespace}/sid/mrn/{clinic_code}"

    @property
    def din_system(self) -> str:
        return f"{self.namespace}/sid/isbt128-din"

    @property
    def isbt128_unit_system(self) -> str:
        """One product of a collection: its DIN and product code ("<DIN> <product code>"),
        the pair ISBT 128 uses to tell apart the syringes made from one aspirate."""
        return f"{self.namespace}/sid/isbt128-din-product"

    @property
    def part_system(self) -> str:
        """Identifier system of resources derived from part of a record (value: their id)."""
        return f"{self.namespace}/sid/record-part"

    def code_system(self, name: str) -> str:
        return f"{self.namespace}/CodeSystem/{name}"

    def questionnaire_url(self, instrument: str) -> str:
        return f"{self.namespace}/Questionnaire/{instrument}"


def derived_id(public_id: object, *parts: str) -> str:
    """The id of a resource derived from part of a record: the record's UUID, then the part
    ("<uuid>.tnc.concentrate"). It reads back to the record, and stays within FHIR's 64
    characters of letters, digits, '-' and '.'."""
    suffix = ".".join(part.lower().replace("_", "-") for part in parts)
    return f"{public_id}.{suffix}"[:64]


def split_id(resource_id: str) -> tuple[uuid.UUID, str] | None:
    """(record UUID, part) of a resource id, or None if it is not one of ours."""
    head, _, part = resource_id.partition(".")
    try:
        return uuid.UUID(head), part
    except ValueError:
        return None


def ref(resource_type: str, ident: object, display: str | None = None) -> dict[str, str]:
    reference = {"reference": f"{resource_type}/{ident}"}
    if display:
        reference["display"] = display
    return reference


def uuid_identifier(public_id: object) -> dict[str, str]:
    """The record's public UUID as a global identifier (RFC 3986 URN)."""
    return {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{public_id}"}


def concept(coding: Coding | None = None, text: str = "") -> dict[str, Any]:
    """A CodeableConcept: the verified coding when there is one, and the product's text."""
    result: dict[str, Any] = {}
    if coding is not None:
        result["coding"] = [coding.fhir()]
    if text or coding is None:
        result["text"] = text or (coding.display if coding else "")
    return result


def local(names: Names, system: str, code: str, display: str) -> Coding:
    return Coding(names.code_system(system), code, display)


def number(value: Decimal | int | float) -> int | float:
    """A JSON number (FHIR decimal): integers stay integers, decimals become floats."""
    return value if isinstance(value, int) else float(value)


def quantity(value: Decimal | int | float, unit: Unit | None, text: str = "") -> dict[str, Any]:
    result: dict[str, Any] = {"value": number(value)}
    if unit is not None:
        result.update(unit=unit.display, system=UCUM, code=unit.code)
    elif text:
        result["unit"] = text
    return result


def instant(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def day(on: date | None) -> str | None:
    return on.isoformat() if on is not None else None


def period(start: datetime | None, end: datetime | None) -> dict[str, str]:
    result = {}
    if start is not None:
        result["start"] = start.isoformat()
    if end is not None:
        result["end"] = end.isoformat()
    return result


def pruned(resource: Resource) -> Resource:
    """Drop empty values: FHIR forbids empty strings, lists and objects."""
    return {k: v for k, v in resource.items() if v not in (None, "", [], {})}

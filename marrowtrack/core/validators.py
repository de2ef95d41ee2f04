"""Input checks every app reuses: text a person can read, and dates a clinic can mean.

Text: names and notes are read by people and printed on labels, consents and PDFs. Characters
that are invisible or reorder what is shown (bidi overrides, zero-width characters, control
characters) let two records look the same while differing, or make a name display as
something else (Unicode Technical Report #36, "Unicode Security Considerations", section 2).
They are refused, not stripped: a silent change to a name is worse than asking again
(docs/decisions/0008-input-hygiene-and-reauthentication.md). NUL and lone surrogates
cannot be stored by PostgreSQL or encoded as UTF-8 at all.

Dates: a year such as 1 or 1268 is a typing slip, never a clinical fact.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Annotated, Any

from django import forms
from django.core.exceptions import ValidationError
from pydantic import AfterValidator

from marrowtrack.core.exceptions import ValidationFailed

# Unicode general categories that are never part of a readable name or note:
# Cc control, Cf format (bidi controls, zero-width, BOM, soft hyphen), Cs surrogate,
# Co private use, Zl/Zp line and paragraph separators.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})
_MULTILINE_ALLOWED = frozenset("\n\r\t")

EARLIEST_YEAR = 1900
LATEST_YEAR = 2100


def unreadable_characters(text: str, *, multiline: bool = False) -> list[str]:
    """The refused characters in `text`, as U+XXXX codes, in order of appearance."""
    found: list[str] = []
    for char in text:
        if multiline and char in _MULTILINE_ALLOWED:
            continue
        if unicodedata.category(char) in _REFUSED_CATEGORIES:
            code = f"U+{ord(char):04X}"
            if code not in found:
                found.append(code)
    return found


def unencodable(text: str) -> bool:
    """True when the text holds a NUL or a lone surrogate (nothing can store those)."""
    return "\x00" in text or any(0xD800 <= ord(char) <= 0xDFFF for char in text)


def _text_message(codes: list[str]) -> str:
    listed = ", ".join(codes[:5])
    return f"This text contains invisible or control characters ({listed}); retype it without them."


def validate_plain_text(value: str) -> None:
    """Django validator for one-line text (names, identifiers)."""
    codes = unreadable_characters(value)
    if codes:
        raise ValidationError(_text_message(codes), code="unreadable_characters")


def validate_plain_notes(value: str) -> None:
    """Django validator for multi-line text (notes): newlines and tabs are allowed."""
    codes = unreadable_characters(value, multiline=True)
    if codes:
        raise ValidationError(_text_message(codes), code="unreadable_characters")


def validate_plausible_date(value: date) -> None:
    """Refuse years outside 1900-2100: no clinical date of this service lies there."""
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValidationError(
            f"The year {value.year} is not plausible; check the date "
            f"(accepted: {EARLIEST_YEAR} to {LATEST_YEAR}).",
            code="implausible_date",
        )


# Pydantic (API schema) forms of the same rules. Each raises ValueError, which django-ninja
# turns into a 422 naming the field.


def _pydantic(check: Any) -> Any:
    def run(value: Any) -> Any:
        if value is not None:
            try:
                check(value)
            except ValidationError as exc:
                raise ValueError(exc.messages[0]) from None
        return value

    return run


PlainText = Annotated[str, AfterValidator(_pydantic(validate_plain_text))]
PlainNotes = Annotated[str, AfterValidator(_pydantic(validate_plain_notes))]
PlausibleDate = Annotated[date, AfterValidator(_pydantic(validate_plausible_date))]


class PlainInputFormMixin:
    """Adds the text and date checks to every field of a form (or model form).

    Text fields whose widget is a textarea are treated as notes (newlines allowed)."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.validators.extend(_validators_for(field))


def _validators_for(field: forms.Field) -> Iterator[Any]:
    if isinstance(field, forms.DateField):
        yield validate_plausible_date
    elif isinstance(field, forms.CharField):
        notes = isinstance(field.widget, forms.Textarea)
        yield validate_plain_notes if notes else validate_plain_text


def only(data: Mapping[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    """The values of a service's own fields, text stripped; any other name is refused (422),
    so a field that a form or schema sends and the service would drop is never lost unseen."""
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationFailed({name: ["This field is not accepted here."] for name in unknown})
    return {key: value.strip() if isinstance(value, str) else value for key, value in data.items()}

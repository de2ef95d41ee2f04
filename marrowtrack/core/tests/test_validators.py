from __future__ import annotations

from datetime import date

import pytest
from django import forms
from django.core.exceptions import ValidationError

from marrowtrack.core.validators import (
    PlainInputFormMixin,
    unreadable_characters,
    validate_plain_notes,
    validate_plain_text,
    validate_plausible_date,
)


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("Núñez-O'Brien", []),
        ("李小龙", []),
        ("Smi\u200bth", ["U+200B"]),
        ("abc\u202edcb", ["U+202E"]),
        ("a\u2067b\u2069", ["U+2067", "U+2069"]),
        ("a\x00b", ["U+0000"]),
        ("a\nb", ["U+000A"]),
        ("\ufeffname", ["U+FEFF"]),
    ],
)
def test_refused_characters_are_named(text: str, codes: list[str]) -> None:
    assert unreadable_characters(text) == codes


def test_notes_may_hold_newlines_and_tabs_but_not_other_controls() -> None:
    validate_plain_notes("line one\r\n\tline two")
    with pytest.raises(ValidationError, match="U\\+001B"):
        validate_plain_notes("red\x1b[31m")
    with pytest.raises(ValidationError):
        validate_plain_text("two\nlines")


@pytest.mark.parametrize("year", [1, 1268, 1899, 2101, 9999])
def test_implausible_years_are_refused(year: int) -> None:
    with pytest.raises(ValidationError, match=str(year)):
        validate_plausible_date(date(year, 1, 1))


def test_plausible_years_pass() -> None:
    validate_plausible_date(date(1900, 1, 1))
    validate_plausible_date(date(2100, 12, 31))


class _Form(PlainInputFormMixin, forms.Form):
    name = forms.CharField()
    notes = forms.CharField(widget=forms.Textarea, required=False)
    on = forms.DateField(required=False)


def test_the_form_mixin_puts_the_error_on_the_field() -> None:
    form = _Form({"name": "Ro\u202esa", "notes": "ok\nfine", "on": "1268-05-01"})
    assert not form.is_valid()
    assert set(form.errors) == {"name", "on"}

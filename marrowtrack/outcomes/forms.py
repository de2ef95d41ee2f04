"""Survey forms built from instrument definitions: radio buttons store values, not labels."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms

from marrowtrack.outcomes.instruments import Item
from marrowtrack.outcomes.models import FollowUp

MAX_RADIO_CHOICES = 11


def uses_radios(item: Item) -> bool:
    return item.decimals == 0 and item.maximum - item.minimum < MAX_RADIO_CHOICES


def choice_label(item: Item, value: int) -> str:
    label = item.label_for(value)
    if label is None:
        return str(value)
    return label if item.maximum - item.minimum < 5 else f"{value} ({label})"


def item_field(item: Item) -> forms.Field:
    """A radio group (value stored, label shown) or a number box for wide/decimal scales."""
    if uses_radios(item):
        choices = [(v, choice_label(item, v)) for v in range(item.minimum, item.maximum + 1)]
        return forms.TypedChoiceField(
            label=item.text,
            choices=choices,
            coerce=int,
            required=False,
            empty_value=None,
            widget=forms.RadioSelect,
        )
    step = Decimal(1).scaleb(-item.decimals)
    help_text = f"A number from {item.minimum} to {item.maximum}"
    return forms.DecimalField(
        label=item.text,
        min_value=item.minimum,
        max_value=item.maximum,
        decimal_places=item.decimals,
        required=False,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": str(step), "inputmode": "decimal"}),
    )


class ItemsForm(forms.Form):
    """One field per item; unanswered items are stored as null (missing)."""

    def __init__(self, *args: Any, items: Sequence[Item], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            self.fields[item.code] = item_field(item)

    def answers(self) -> dict[str, int | float | None]:
        result: dict[str, int | float | None] = {}
        for item in self.items:
            value = self.cleaned_data.get(item.code)
            if isinstance(value, Decimal):
                value = int(value) if item.decimals == 0 else float(value)
            result[item.code] = value
        return result

    def item_fields(self) -> list[tuple[Item, forms.BoundField]]:
        return [(item, self[item.code]) for item in self.items]


class TranscriptionForm(ItemsForm):
    answered_on = forms.DateField(
        label="Date written on the paper form",
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class CensorForm(forms.Form):
    reason = forms.ChoiceField(choices=[c for c in FollowUp.Censor.choices if c[0]], label="Reason")
    on = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))


class RedcapImportForm(forms.Form):
    records = forms.FileField(label="REDCap records CSV")
    dry_run = forms.BooleanField(
        label="Dry run: check and report, import nothing", required=False, initial=True
    )

"""Survey forms built from instrument definitions: values are stored, labels are shown.

Each item keeps its own response options (ODI's six statements per section, EQ-5D's five
levels per dimension); the words come from the installed text pack when there is one, else
from the product's own short labels. The EQ VAS is a whole number 0-100 on a vertical scale
(a number box that a script turns into a vertical slider on a phone); the PGA is a number
0-100 with its two anchors.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, cast

from django import forms

from marrowtrack.intake.models import Laterality, Target
from marrowtrack.outcomes.instruments import Item
from marrowtrack.outcomes.models import FollowUp, Reintervention, SurveyResponse, TextPack
from marrowtrack.outcomes.schedules import MAX_YEARLY
from marrowtrack.outcomes.textpacks import Wording, item_wording

MAX_RADIO_CHOICES = 11


def uses_radios(item: Item) -> bool:
    return (
        item.widget == "choice"
        and item.decimals == 0
        and (item.maximum - item.minimum < MAX_RADIO_CHOICES)
    )


def choice_label(item: Item, value: int, options: Mapping[int, str]) -> str:
    """A value's words; on a numeric scale (NPRS, SPADI) the number and its anchor, if any."""
    label = options.get(value)
    if label is None:
        return str(value)
    return label if item.maximum - item.minimum < 5 else f"{value} ({label})"


def anchors(item: Item, options: Mapping[int, str]) -> str:
    return "; ".join(f"{value} = {text}" for value, text in sorted(options.items()))


def item_field(item: Item, wording: Wording | None = None) -> forms.Field:
    """A radio group per option (value stored, label shown), or a number box on a scale."""
    wording = wording or item_wording(item, None)
    if uses_radios(item):
        choices = [
            (v, choice_label(item, v, wording.options))
            for v in range(item.minimum, item.maximum + 1)
        ]
        return forms.TypedChoiceField(
            label=wording.text,
            choices=choices,
            coerce=int,
            required=False,
            empty_value=None,
            widget=forms.RadioSelect,
        )
    step = Decimal(1).scaleb(-item.decimals)
    attrs = {"step": str(step), "inputmode": "decimal" if item.decimals else "numeric"}
    if item.widget == "vertical_scale":
        attrs["class"] = "vas-number"
    scale_words = anchors(item, wording.options)
    return forms.DecimalField(
        label=wording.text,
        min_value=item.minimum,
        max_value=item.maximum,
        decimal_places=item.decimals,
        required=False,
        help_text=f"A number from {item.minimum} to {item.maximum}: {scale_words}",
        widget=forms.NumberInput(attrs=attrs),
    )


class ItemsForm(forms.Form):
    """One field per item; unanswered items are stored as null (missing)."""

    def __init__(
        self,
        *args: Any,
        items: Sequence[Item],
        wording: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.items = list(items)
        self.wordings = {item.code: item_wording(item, wording) for item in self.items}
        for item in self.items:
            self.fields[item.code] = item_field(item, self.wordings[item.code])

    def answers(self) -> dict[str, int | float | None]:
        result: dict[str, int | float | None] = {}
        for item in self.items:
            value = self.cleaned_data.get(item.code)
            if isinstance(value, Decimal):
                value = int(value) if item.decimals == 0 else float(value)
            result[item.code] = value
        return result

    def item_fields(self) -> list[tuple[Item, forms.BoundField, Wording]]:
        return [(item, self[item.code], self.wordings[item.code]) for item in self.items]


PRODUCT = SurveyResponse.Wording.PRODUCT_LABELS
PAPER = SurveyResponse.Wording.LICENSED_PAPER


class TranscriptionForm(ItemsForm):
    """A paper form: its date (and time, when written), the form it was printed from, answers."""

    answered_on = forms.DateField(
        label="Date written on the paper form",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    answered_time = forms.TimeField(
        label="Time written on the form (if any)",
        required=False,
        help_text="Give it for a form filled in on the procedure day: the baseline closes "
        "when the procedure starts.",
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    form_used = forms.ChoiceField(label="Form used", widget=forms.RadioSelect)
    form_version = forms.CharField(
        label="Version printed on the licensed form",
        required=False,
        max_length=120,
        help_text="Needed for another licensed paper form.",
    )

    def __init__(self, *args: Any, packs: Sequence[TextPack], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.packs = {str(pack.public_id): pack for pack in packs}
        cast(forms.ChoiceField, self.fields["form_used"]).choices = [
            *(
                (key, f"Printed from the installed text pack {p.label}")
                for key, p in self.packs.items()
            ),
            (PAPER.value, "Another licensed paper form (give its version)"),
            (PRODUCT.value, "MarrowTrack's own printout (unvalidated wording)"),
        ]

    def form_wording(self) -> tuple[str, TextPack | None, str]:
        """(wording, text pack, form version) for the service."""
        chosen = self.cleaned_data["form_used"]
        if chosen in self.packs:
            return SurveyResponse.Wording.TEXT_PACK, self.packs[chosen], ""
        return chosen, None, self.cleaned_data.get("form_version", "")


class CensorForm(forms.Form):
    reason = forms.ChoiceField(choices=[c for c in FollowUp.Censor.choices if c[0]], label="Reason")
    on = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))


class YearlyForm(forms.Form):
    years = forms.IntegerField(
        label="Yearly surveys after 24 months",
        min_value=0,
        max_value=MAX_YEARLY,
        help_text="At 3, 4, ... years after treatment, each +-60 days. Applies to new plans.",
    )


class RedcapImportForm(forms.Form):
    records = forms.FileField(label="REDCap records CSV")
    dry_run = forms.BooleanField(
        label="Dry run: check and report, import nothing", required=False, initial=True
    )


class ReinterventionForm(forms.Form):
    """A re-intervention of the plan's target; target and side default to the plan's."""

    kind = forms.ChoiceField(choices=Reintervention.Kind.choices, label="What")
    performed_on = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    source = forms.ChoiceField(choices=Reintervention.Source.choices, label="Source")
    response = forms.TypedChoiceField(
        choices=(),
        required=False,
        coerce=str,
        empty_value=None,
        label="Survey response (when the patient told us in a survey)",
    )
    target = forms.ChoiceField(
        choices=[("", "The plan's target"), *Target.choices], required=False, label="Target"
    )
    laterality = forms.ChoiceField(
        choices=[("", "The plan's side"), *Laterality.choices], required=False, label="Side"
    )
    detail = forms.CharField(max_length=300, required=False, label="Detail")

    def __init__(self, *args, responses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["response"].choices = [("", "None")] + [
            (str(r.public_id), str(r)) for r in responses
        ]

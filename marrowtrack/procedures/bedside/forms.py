"""Bedside forms: one syringe per submission, its site chosen from the plan's sites."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms

from marrowtrack.core.validators import PlainInputFormMixin, validate_plain_text
from marrowtrack.esign.forms import SignatureFieldsMixin
from marrowtrack.lab.forms import PRODUCT_HELP, SCAN_HELP
from marrowtrack.lab.procedure_day import Site, site_display
from marrowtrack.procedures.dosing import AGENTS
from marrowtrack.procedures.models import Guidance

DT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def site_choices(sites: list[Site]) -> list[tuple[str, str]]:
    return [(f"{target}:{side}", site_display((target, side))) for target, side in sites]


class SiteFormMixin(forms.Form):
    """A ``site`` choice among the plan's sites, handed to the service as target and side."""

    site = forms.ChoiceField(label="Site this syringe goes into")

    def __init__(self, *args: Any, sites: list[Site], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["site"]).choices = site_choices(sites)

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["target"], data["laterality"] = data.pop("site").split(":", 1)
        return data


class BedsideForm(PlainInputFormMixin, SiteFormMixin, SignatureFieldsMixin):
    wristband_scan = forms.CharField(label="Scan the patient's wristband", max_length=80)
    syringe_scan = forms.CharField(
        label="Scan the syringe DIN (or its 2-D code)", max_length=120, help_text=SCAN_HELP
    )
    product_scan = forms.CharField(
        label="Syringe product code", max_length=40, required=False, help_text=PRODUCT_HELP
    )
    patient_confirmed_identity = forms.BooleanField(
        label="Patient stated name and date of birth", required=False
    )
    second_username = forms.CharField(label="Second clinician: username", max_length=150)
    second_password = forms.CharField(
        label="Second clinician: password", strip=False, widget=forms.PasswordInput
    )
    second_totp = forms.CharField(label="Second clinician: 6-digit code (if on)", required=False)

    field_order = ["wristband_scan", "syringe_scan", "product_scan", "site"]


class InjectionForm(PlainInputFormMixin, SiteFormMixin):
    syringe_scan = forms.CharField(
        label="Scan the syringe DIN again (or its 2-D code)", max_length=120, help_text=SCAN_HELP
    )
    product_scan = forms.CharField(
        label="Syringe product code", max_length=40, required=False, help_text=PRODUCT_HELP
    )
    target_level = forms.CharField(label="Level (spine)", required=False, max_length=20)
    guidance = forms.ChoiceField(choices=Guidance.choices)
    volume_ml = forms.DecimalField(label="Volume injected (mL)", min_value=0.1, max_value=60)
    co_injectate = forms.CharField(label="Co-injectate (e.g. PRP)", required=False, max_length=120)
    anaesthetic_percent = forms.TypedChoiceField(
        label="Lidocaine mixed in (%)",
        required=False,
        coerce=Decimal,
        empty_value=None,
        # The strengths lidocaine comes in, never a free number (issue 8 item 3).
        choices=[("", "—"), *((str(p), f"{p} %") for p in AGENTS["lidocaine"].strengths)],
    )
    anaesthetic_ml = forms.DecimalField(
        label="Lidocaine mixed in (mL)", required=False, min_value=0.1, max_value=20
    )
    started_at = forms.DateTimeField(label="Started", widget=DT)
    ended_at = forms.DateTimeField(label="Ended", widget=DT)

    field_order = ["syringe_scan", "product_scan", "site"]


class ReturnForm(forms.Form):
    # Not PlainInputFormMixin: it would run its text check on the UUID field too.
    container = forms.UUIDField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Why it goes back", max_length=300, validators=[validate_plain_text]
    )

from __future__ import annotations

from typing import Any

from django import forms

from marrowtrack.esign.forms import SignatureFieldsMixin
from marrowtrack.facilities.models import Equipment
from marrowtrack.lab.models import LateResult, ProcessingRun

DT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ReceiveForm(forms.Form):
    din_scan = forms.CharField(label="Scan the aspirate DIN", max_length=40)
    seal_intact = forms.BooleanField(label="Seal intact", required=False)


class RunForm(forms.ModelForm):
    rcf_g = forms.DecimalField(
        label="RCF (×g), if no rpm", required=False, min_value=1, max_value=20000
    )
    syringes = forms.IntegerField(label="Syringes to label", min_value=1, max_value=4, initial=1)

    class Meta:
        model = ProcessingRun
        fields = [
            "device",
            "kit_lot",
            "kit_expires_on",
            "centrifuge",
            "rpm",
            "spin_minutes",
            "spins",
            "brake",
            "aspirate_ml",
            "anticoagulant_ml",
            "concentrate_ml",
            "qc_sample_ml",
            "pre_tnc_per_ul",
            "post_tnc_per_ul",
            "pre_plt_per_ul",
            "post_plt_per_ul",
            "pre_hct_pct",
            "post_hct_pct",
            "post_cd34_per_ul",
            "viability_pct",
            "started_at",
            "ended_at",
        ]
        labels = {
            "aspirate_ml": "Aspirate processed (mL, incl. anticoagulant)",
            "pre_plt_per_ul": "Pre platelets (/µL)",
            "post_plt_per_ul": "Post platelets (/µL)",
            "pre_hct_pct": "Pre Hct (%)",
            "post_hct_pct": "Post Hct (%)",
            "post_cd34_per_ul": "Post CD34+ (/µL)",
            "viability_pct": "Viability (%)",
            "kit_expires_on": "Kit expiry date",
            "spin_minutes": "Spin (min)",
        }
        widgets = {
            "started_at": DT,
            "ended_at": DT,
            "kit_expires_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args: Any, clinic: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["centrifuge"].queryset = Equipment.objects.filter(
            clinic=clinic, kind="centrifuge", active=True
        )


class ReleaseForm(SignatureFieldsMixin):
    verifier_username = forms.CharField(label="Verifier (second person): username", required=False)
    verifier_password = forms.CharField(
        label="Verifier: password", required=False, strip=False, widget=forms.PasswordInput
    )
    scans = forms.CharField(
        label="…or scan every syringe label (one per line)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class LateResultForm(forms.ModelForm):
    class Meta:
        model = LateResult
        fields = ["kind", "value", "unit", "note"]


class HandoffForm(forms.Form):
    din_scan = forms.CharField(label="Scan the syringe DIN", max_length=40)
    received_by = forms.CharField(label="Received by (username)", max_length=150)
    seal_intact = forms.BooleanField(label="Seal intact", required=False)


class DiscardForm(forms.Form):
    reason = forms.CharField(label="Reason for discarding", max_length=300)


class TraceForm(forms.Form):
    kit_lot = forms.CharField(label="Kit lot", required=False, max_length=40)
    anticoagulant_lot = forms.CharField(label="Anticoagulant lot", required=False, max_length=40)
    centrifuge = forms.CharField(label="Centrifuge (name or serial)", required=False, max_length=80)

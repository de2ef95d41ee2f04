"""Forms of the lab bench. Counts are typed in the unit the analyser prints and converted
by the service (``lab.run_values``); every text field refuses invisible characters."""

from __future__ import annotations

from typing import Any

from django import forms

from marrowtrack.core import clock
from marrowtrack.core.models import Clinic
from marrowtrack.core.validators import PlainInputFormMixin
from marrowtrack.esign.forms import SignatureFieldsMixin
from marrowtrack.facilities.models import KitLot
from marrowtrack.facilities.selectors import calibrated_centrifuges, usable_kit_lots
from marrowtrack.lab.calculations import CountUnit
from marrowtrack.lab.models import LateResult, ProcessingRun
from marrowtrack.lab.services.results import STERILITY_RESULTS

DT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
SCAN_HELP = "Scan the barcode, or type the 14-character DIN with its boxed check character."
PRODUCT_HELP = "Scan the product code barcode (=<…), or type its 8 characters, e.g. DBMC11A0."


def din_field(label: str = "Scan the DIN") -> forms.CharField:
    return forms.CharField(label=label, max_length=120, help_text=SCAN_HELP)


def product_field(required: bool = False) -> forms.CharField:
    return forms.CharField(
        label="Product code", max_length=40, required=required, help_text=PRODUCT_HELP
    )


class ReceiveForm(PlainInputFormMixin, forms.Form):
    din_scan = din_field("Scan the aspirate DIN")
    seal_intact = forms.BooleanField(label="Seal intact", required=False)


def _count(label: str, required: bool = False) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=required, min_value=0, max_digits=12, decimal_places=3
    )


class RunForm(PlainInputFormMixin, forms.ModelForm):
    kit_lot = forms.ModelChoiceField(
        label="Kit lot",
        queryset=KitLot.objects.none(),
        help_text="Expired or recalled lots and lots with no kits left cannot be chosen.",
    )
    rcf_g = forms.DecimalField(
        label="RCF (×g), if no rpm", required=False, min_value=1, max_value=20000
    )
    count_unit = forms.ChoiceField(
        label="Counts typed in",
        choices=[(unit.value, unit.label) for unit in CountUnit],
        initial=CountUnit.THOUSANDS_PER_UL,
    )
    pre_tnc_per_ul = _count("Aspirate TNC", required=True)
    post_tnc_per_ul = _count("Concentrate TNC", required=True)
    pre_plt_per_ul = _count("Aspirate platelets")
    post_plt_per_ul = _count("Concentrate platelets")
    syringes = forms.IntegerField(
        label="Syringes for each site", min_value=1, max_value=4, initial=1
    )

    class Meta:
        model = ProcessingRun
        fields = [
            "kit_lot",
            "device",
            "centrifuge",
            "rpm",
            "spin_minutes",
            "spins",
            "brake",
            "aspirate_ml",
            "anticoagulant_ml",
            "concentrate_ml",
            "qc_sample_ml",
            "count_unit",
            "pre_tnc_per_ul",
            "post_tnc_per_ul",
            "pre_plt_per_ul",
            "post_plt_per_ul",
            "pre_rbc_10e6_per_ul",
            "post_rbc_10e6_per_ul",
            "pre_hct_pct",
            "post_hct_pct",
            "pre_lymph_pct",
            "pre_mono_pct",
            "pre_gran_pct",
            "post_lymph_pct",
            "post_mono_pct",
            "post_gran_pct",
            "pre_cd34_per_ul",
            "post_cd34_per_ul",
            "viability_pct",
            "started_at",
            "ended_at",
        ]
        labels = {
            "device": "Device (defaults to the kit's)",
            "rpm": "Speed (rpm)",
            "spins": "Number of spins",
            "aspirate_ml": "Aspirate processed (mL, incl. anticoagulant)",
            "anticoagulant_ml": "Anticoagulant in it (mL)",
            "concentrate_ml": "Concentrate (mL)",
            "qc_sample_ml": "QC sample taken (mL)",
            "pre_rbc_10e6_per_ul": "Aspirate RBC (×10⁶/µL)",
            "post_rbc_10e6_per_ul": "Concentrate RBC (×10⁶/µL)",
            "pre_hct_pct": "Aspirate Hct (%)",
            "post_hct_pct": "Concentrate Hct (%)",
            "pre_lymph_pct": "Aspirate lymphocytes (%)",
            "pre_mono_pct": "Aspirate monocytes / mid cells (%)",
            "pre_gran_pct": "Aspirate granulocytes (%)",
            "post_lymph_pct": "Concentrate lymphocytes (%)",
            "post_mono_pct": "Concentrate monocytes / mid cells (%)",
            "post_gran_pct": "Concentrate granulocytes (%)",
            "pre_cd34_per_ul": "Aspirate CD34+ before processing (cells/µL, flow)",
            "post_cd34_per_ul": "Concentrate CD34+ (cells/µL, flow)",
            "viability_pct": "Viability (%, 7-AAD)",
            "spin_minutes": "Spin (min)",
        }
        widgets = {"started_at": DT, "ended_at": DT}

    GROUPS = (
        (
            "Kit and spin",
            [
                "kit_lot",
                "device",
                "centrifuge",
                "rpm",
                "rcf_g",
                "spin_minutes",
                "spins",
                "brake",
                "started_at",
                "ended_at",
            ],
        ),
        ("Volumes", ["aspirate_ml", "anticoagulant_ml", "concentrate_ml", "qc_sample_ml"]),
        (
            "Counts",
            [
                "count_unit",
                "pre_tnc_per_ul",
                "post_tnc_per_ul",
                "pre_plt_per_ul",
                "post_plt_per_ul",
            ],
        ),
        (
            "Red cells",
            ["pre_rbc_10e6_per_ul", "post_rbc_10e6_per_ul", "pre_hct_pct", "post_hct_pct"],
        ),
        (
            "White-cell differential",
            [
                "pre_lymph_pct",
                "pre_mono_pct",
                "pre_gran_pct",
                "post_lymph_pct",
                "post_mono_pct",
                "post_gran_pct",
            ],
        ),
        ("CD34+ and viability", ["pre_cd34_per_ul", "post_cd34_per_ul", "viability_pct"]),
        ("Syringes", ["syringes"]),
    )

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = clock.today(clinic)
        self.fields["kit_lot"].queryset = usable_kit_lots(clinic_id=clinic.pk, today=today)
        self.fields["centrifuge"].queryset = calibrated_centrifuges(
            clinic_id=clinic.pk, today=today
        )
        self.fields["device"].required = False

    def groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The fields in the order a technologist reads them off the bench, in groups."""
        return [(legend, [self[name] for name in names]) for legend, names in self.GROUPS]


class ReleaseForm(PlainInputFormMixin, SignatureFieldsMixin):
    verifier_username = forms.CharField(label="Verifier (second person): username")
    verifier_password = forms.CharField(
        label="Verifier: password", strip=False, widget=forms.PasswordInput
    )
    verifier_totp = forms.CharField(label="Verifier: 6-digit code (if on)", required=False)
    scans = forms.CharField(
        label="Verifier: scan every syringe label (the 2-D code, or DIN then product code)",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class LateResultForm(PlainInputFormMixin, forms.Form):
    kind = forms.ChoiceField(choices=LateResult.Kind.choices)
    sample = forms.ChoiceField(choices=[("", "—"), *LateResult.Sample.choices], required=False)
    colonies = forms.IntegerField(
        label="CFU-F: colonies counted", required=False, min_value=0, max_value=100_000
    )
    cells_plated = forms.IntegerField(
        label="CFU-F: nucleated cells plated", required=False, min_value=1
    )
    value = forms.CharField(
        max_length=40,
        required=False,
        help_text=f"CD34+: cells/µL. Sterility: {' or '.join(STERILITY_RESULTS)}.",
    )
    unit = forms.CharField(max_length=20, required=False, help_text="For other results")
    note = forms.CharField(max_length=200, required=False)


class HandoffForm(PlainInputFormMixin, forms.Form):
    din_scan = din_field("Scan the syringe DIN (or its 2-D code)")
    product_scan = product_field()
    receiver_username = forms.CharField(label="Received by (username)", max_length=150)
    receiver_password = forms.CharField(
        label="Receiver: password", strip=False, widget=forms.PasswordInput
    )
    receiver_totp = forms.CharField(label="Receiver: 6-digit code (if on)", required=False)
    seal_intact = forms.BooleanField(label="Seal intact", required=False)


class ReturnReceiveForm(PlainInputFormMixin, forms.Form):
    din_scan = din_field("Scan the returned syringe's DIN (or its 2-D code)")
    product_scan = product_field()
    seal_intact = forms.BooleanField(label="Seal intact", required=False)


class DiscardForm(PlainInputFormMixin, forms.Form):
    reason = forms.CharField(label="Reason for discarding", max_length=300)


class TraceForm(PlainInputFormMixin, forms.Form):
    kit_lot = forms.CharField(label="Kit lot", required=False, max_length=40)
    anticoagulant_lot = forms.CharField(label="Anticoagulant lot", required=False, max_length=40)
    centrifuge = forms.CharField(label="Centrifuge (name or serial)", required=False, max_length=80)

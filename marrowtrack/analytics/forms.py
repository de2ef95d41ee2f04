"""The dashboard's filters (GET) as a form: a bad value is named, never silently ignored."""

from __future__ import annotations

from typing import cast

from django import forms

from marrowtrack.accounts.selectors import staff_of_clinic
from marrowtrack.analytics.dashboard import Filters
from marrowtrack.analytics.readmodel import AGE_BANDS, age_band
from marrowtrack.intake.models import Treatment
from marrowtrack.outcomes.charts import HEADLINE
from marrowtrack.patients.models import Patient, ReferralCondition

AGE_CHOICES = [("", "Any age")] + [(age_band(low), age_band(low)) for low, _high in AGE_BANDS]
SEVERITY_CHOICES = [("", "Any")] + [(str(g), f"KL grade {g}") for g in range(5)]
DEFAULT_SCORE = "NPRS:total"
COMPARATORS = [(t.value, t.label) for t in Treatment if t.value not in ("bmac", "bmac_prp")]


def _instrument_choices() -> list[tuple[str, str]]:
    return [(f"{code}:{keys[0]}", f"{code} {keys[0]}") for code, keys in HEADLINE.items()]


class DashboardFilterForm(forms.Form):
    condition = forms.ChoiceField(choices=ReferralCondition.choices, initial="knee_oa")
    score = forms.ChoiceField(
        choices=_instrument_choices, initial="NPRS:total", label="Score", required=False
    )
    physician = forms.TypedChoiceField(
        choices=(), required=False, coerce=int, empty_value=None, label="Physician"
    )
    treated_from = forms.DateField(required=False, label="Treated from")
    treated_to = forms.DateField(required=False, label="Treated to")
    sex = forms.ChoiceField(
        choices=[("", "Any sex"), *Patient.Sex.choices], required=False, label="Sex"
    )
    age_band = forms.ChoiceField(choices=AGE_CHOICES, required=False, label="Age band")
    severity = forms.TypedChoiceField(
        choices=SEVERITY_CHOICES,
        required=False,
        coerce=int,
        empty_value=None,
        label="Severity",
    )
    include = forms.BooleanField(required=False, label="Include excluded data")

    def __init__(self, *args, clinic=None, research: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if research or clinic is None:
            # The research view names no one: no physician filter.
            del self.fields["physician"]
        else:
            doctors = staff_of_clinic(clinic=clinic).filter(groups__name="physician")
            cast(forms.ChoiceField, self.fields["physician"]).choices = [("", "Any physician")] + [
                (u.pk, u.printed_name or u.username) for u in doctors
            ]

    def clean(self):
        data = super().clean()
        start, end = data.get("treated_from"), data.get("treated_to")
        if start and end and start > end:
            self.add_error("treated_to", "The period ends before it starts.")
        return data

    def patient_filters(self) -> dict:
        """Which patients count (physician, period, sex, age band, severity): the part every
        page built on the dashboard's filters shares."""
        d = self.cleaned_data
        return {
            "physician_id": d.get("physician"),
            "treated_from": d.get("treated_from"),
            "treated_to": d.get("treated_to"),
            "sex": d.get("sex") or "",
            "age_band": d.get("age_band") or "",
            "severity": d.get("severity"),
        }

    def filters(self) -> Filters:
        d = self.cleaned_data
        instrument, key = (d.get("score") or DEFAULT_SCORE).split(":")
        return Filters(
            condition=d["condition"],
            instrument=instrument,
            score_key=key,
            include_excluded=bool(d.get("include")),
            **self.patient_filters(),
        )


class CompareForm(DashboardFilterForm):
    """The dashboard's filters (the dashboard's link carries them) and the comparator."""

    # Optional: the dashboard's link carries its own filters only (cortisone by default).
    comparator = forms.ChoiceField(choices=COMPARATORS, initial="csi", required=False)

    field_order = ["condition", "comparator", "score"]

    def clean_comparator(self) -> str:
        return self.cleaned_data.get("comparator") or "csi"


DOSE_TIMEPOINTS = [("6w", "6 weeks"), ("3m", "3 months"), ("6m", "6 months"), ("12m", "12 months")]


class DoseFilterForm(DashboardFilterForm):
    """The dashboard's filters and the time point whose improvement is plotted."""

    timepoint = forms.ChoiceField(
        choices=DOSE_TIMEPOINTS, initial="6m", label="Time point", required=False
    )

    def clean_timepoint(self) -> str:
        return self.cleaned_data.get("timepoint") or "6m"

    field_order = ["condition", "score", "timepoint"]


class ReportForm(DashboardFilterForm):
    """The report's period and the dashboard's patient filters (physician, sex, age band,
    severity); the report covers every condition, on the pain score."""

    field_order = ["treated_from", "treated_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("condition", "score", "include"):
            del self.fields[name]

    def filters(self) -> Filters:
        # Every condition: the report takes them one by one.
        return Filters(condition="", **self.patient_filters())

from __future__ import annotations

from django import forms

from marrowtrack.core.forms import VersionedFormMixin
from marrowtrack.core.validators import PlainInputFormMixin
from marrowtrack.patients.models import Allergy, Condition, Medication, Patient, WeightMeasurement


class DateInput(forms.DateInput):
    input_type = "date"


class PatientForm(VersionedFormMixin, PlainInputFormMixin, forms.ModelForm):
    class Meta:
        model = Patient
        fields = [
            "family_name",
            "given_name",
            "date_of_birth",
            "sex",
            "phone",
            "email",
            "address",
            "preferred_language",
            "referral_condition",
            "referral_notes",
            "no_known_allergies",
            "height_cm",
        ]
        widgets = {
            "date_of_birth": DateInput(),
            "referral_notes": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {"referral_condition": "Condition referred for"}


class WeightForm(PlainInputFormMixin, forms.ModelForm):
    confirmed = forms.BooleanField(
        required=False,
        label="I have re-checked this weight and its unit (kg)",
        help_text="Asked for when the weight is outside 35-250 kg or differs from the previous "
        "one by more than 10 % (a weight typed in pounds is the usual cause).",
    )

    class Meta:
        model = WeightMeasurement
        fields = ["weight_kg", "measured_on"]
        widgets = {"measured_on": DateInput()}
        labels = {"weight_kg": "Weight (kg)", "measured_on": "Measured on"}
        help_texts = {"measured_on": "The day the patient was weighed (not the day of entry)."}


class AllergyForm(PlainInputFormMixin, forms.ModelForm):
    class Meta:
        model = Allergy
        fields = ["category", "substance", "reaction", "severity"]


class MedicationForm(VersionedFormMixin, PlainInputFormMixin, forms.ModelForm):
    class Meta:
        model = Medication
        fields = [
            "name",
            "drug_class",
            "agent",
            "dose",
            "steroid_mg_per_day",
            "started_on",
            "stopped_on",
        ]
        widgets = {"started_on": DateInput(), "stopped_on": DateInput()}
        labels = {
            "drug_class": "Class",
            "stopped_on": "Stopped on (blank if still taking)",
        }


class ConditionForm(VersionedFormMixin, PlainInputFormMixin, forms.ModelForm):
    class Meta:
        model = Condition
        fields = [
            "kind",
            "detail",
            "site",
            "side",
            "diagnosed_on",
            "resolved_on",
            "cleared_by_haematology",
        ]
        widgets = {"diagnosed_on": DateInput(), "resolved_on": DateInput()}
        labels = {"resolved_on": "Resolved on (blank if active)"}


class ArchiveForm(PlainInputFormMixin, forms.Form):
    reason = forms.CharField(
        max_length=200, label="Reason", help_text="e.g. entered in error, duplicate record"
    )


class SearchForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=100,
        label="Name, MRN or date of birth",
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    after = forms.CharField(required=False, max_length=600, widget=forms.HiddenInput)

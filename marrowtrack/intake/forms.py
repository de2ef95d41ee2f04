"""Intake forms: parsing and field types only; the rules live in the services."""

from __future__ import annotations

from typing import Any

from django import forms

from marrowtrack.core.forms import VersionedFormMixin
from marrowtrack.esign.forms import SignatureFieldsMixin
from marrowtrack.intake.models import (
    EligibilityDecision,
    IntakeSettings,
    LabValue,
    PriorTreatment,
    Target,
    Treatment,
    TreatmentPlan,
)
from marrowtrack.patients.models import Medication, Patient


class DateInput(forms.DateInput):
    input_type = "date"


class TimeInput(forms.TimeInput):
    input_type = "time"


class PlanForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = TreatmentPlan
        fields = [
            "condition",
            "target",
            "target_level",
            "laterality",
            "harvest_side",
            "harvest_anticoagulant",
            "symptom_duration_months",
            "kellgren_lawrence_grade",
            "severity_notes",
            "treatment",
            "previous_plan",
            "guidance",
            "injectate_drug",
            "dose_mg",
            "volume_ml",
            "anaesthetic",
            "anticoagulant_plan",
            "fasting_note",
        ]
        widgets = {"anticoagulant_plan": forms.Textarea(attrs={"rows": 2})}
        labels = {
            "previous_plan": "Repeat of an earlier plan",
            "injectate_drug": "Drug injected (comparators)",
            "anaesthetic": "Local anaesthetic mixed in",
            "symptom_duration_months": "Symptom duration (months)",
            "harvest_side": "Harvest side (BMAC only)",
            "harvest_anticoagulant": "Harvest anticoagulant (BMAC only)",
            "kellgren_lawrence_grade": "Kellgren-Lawrence grade (knee or hip X-ray, 0-4)",
        }

    def __init__(self, *args: Any, patient: Patient, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        earlier = patient.plans.filter(archived_at=None)
        if self.instance.pk:
            earlier = earlier.exclude(pk=self.instance.pk)
        self.fields["previous_plan"].queryset = earlier
        self.fields["previous_plan"].required = False


class PlanFilterForm(forms.Form):
    """The plans list's search and filters (all optional)."""

    q = forms.CharField(
        required=False,
        max_length=100,
        label="Patient",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name, MRN or birth date"}),
    )
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *TreatmentPlan.Status.choices]
    )
    treatment = forms.ChoiceField(
        required=False, choices=[("", "Any treatment"), *Treatment.choices]
    )
    target = forms.ChoiceField(required=False, choices=[("", "Any target"), *Target.choices])
    overridden = forms.BooleanField(required=False, label="Only plans with an overridden hard stop")
    after = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)


class PriorTreatmentForm(forms.ModelForm):
    class Meta:
        model = PriorTreatment
        fields = ["kind", "drug", "given_on", "target", "laterality", "notes"]
        widgets = {"given_on": DateInput()}


class LabValueForm(forms.ModelForm):
    class Meta:
        model = LabValue
        fields = ["test", "value", "taken_on"]
        widgets = {"taken_on": DateInput()}
        labels = {"value": "Value (platelets ×10^9/L; INR as a ratio)"}


class HoldForm(SignatureFieldsMixin):
    """The prescriber's hold of one medicine, signed by the person recording it."""

    medication = forms.ModelChoiceField(queryset=Medication.objects.none(), label="Medicine")
    procedure_on = forms.DateField(
        label="For the procedure day",
        widget=DateInput(),
        help_text="The hold plan covers the patient's needle procedures on this day only.",
    )
    last_dose_on = forms.DateField(label="Last dose on", widget=DateInput())
    restart_on = forms.DateField(label="Restart on", required=False, widget=DateInput())
    prescriber = forms.CharField(
        max_length=120, help_text="Who decided the hold, e.g. 'Dr A. Mensah, cardiology'"
    )
    note = forms.CharField(max_length=300, required=False, label="Note (bridging, dose changes)")
    field_order = ["medication", "procedure_on", "last_dose_on", "restart_on", "prescriber", "note"]

    def __init__(self, *args: Any, plan: TreatmentPlan, **kwargs: Any) -> None:
        from marrowtrack.intake.selectors import planned_date

        kwargs.setdefault("initial", {}).setdefault("procedure_on", planned_date(plan))
        super().__init__(*args, **kwargs)
        self.fields["medication"].queryset = plan.patient.medications.filter(
            archived_at=None, drug_class__in=["anticoagulant", "antiplatelet", "nsaid"]
        )


class DayCheckForm(forms.Form):
    temperature_c = forms.DecimalField(
        label="Temperature today (°C)",
        max_digits=3,
        decimal_places=1,
        help_text="38.0 °C or more stops the procedure today.",
    )


class IntakeSettingsForm(VersionedFormMixin, forms.ModelForm):
    # A field of the clinic itself, edited here with the clinic's other settings.
    min_recovery_minutes = forms.IntegerField(
        label="Minimum recovery before discharge (minutes)",
        min_value=0,
        max_value=240,
        required=False,
        help_text="Time in recovery, from the recorded start, before discharge is allowed.",
    )

    class Meta:
        model = IntakeSettings
        fields = ["arrival_lead_minutes", "after_hours_phone", "screening_max_age_days"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["min_recovery_minutes"].initial = self.instance.clinic.min_recovery_minutes


class DecisionForm(SignatureFieldsMixin):
    verdict = forms.ChoiceField(
        choices=EligibilityDecision.Verdict.choices, widget=forms.RadioSelect
    )
    rationale = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Reasons for the decision"
    )
    override_reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Reason for overriding the hard stops",
        help_text="Required when approving despite a hard stop.",
    )
    field_order = ["verdict", "rationale", "override_reason", "password", "totp"]


class PatientSignForm(forms.Form):
    typed_name = forms.CharField(label="Type your full name", max_length=200)
    signature = forms.CharField(widget=forms.HiddenInput, required=False)
    click_to_sign = forms.BooleanField(
        required=False, label="I cannot draw a signature: sign by clicking here instead"
    )

    def signature_value(self) -> str:
        if self.cleaned_data.get("signature"):
            return self.cleaned_data["signature"]
        return "click" if self.cleaned_data.get("click_to_sign") else ""


class WitnessForm(forms.Form):
    """The witness is not the staff member who presented the consent: a colleague types
    their own username and password here (or signs in as themselves and leaves it empty)."""

    username = forms.CharField(
        required=False,
        max_length=150,
        label="Witness's username",
        help_text="Leave empty if you, the person signed in, are the witness.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label="Witness's password (to sign)",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )
    totp = forms.CharField(
        required=False,
        label="Witness's 6-digit code (if two-factor is on)",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=200, widget=forms.Textarea(attrs={"rows": 2}))


class TreatedForm(forms.Form):
    on = forms.DateField(label="Date the treatment was given", widget=DateInput())
    note = forms.CharField(
        max_length=300, required=False, label="Note", help_text="e.g. batch, side effects seen"
    )


class BookingForm(forms.Form):
    day = forms.DateField(widget=DateInput())
    time = forms.TimeField(widget=TimeInput())
    room = forms.ModelChoiceField(queryset=None)
    physician = forms.ModelChoiceField(queryset=None)
    nurse = forms.ModelChoiceField(queryset=None)
    centrifuge = forms.ModelChoiceField(queryset=None, required=False)
    lab_tech = forms.ModelChoiceField(queryset=None, required=False, label="Lab technologist")
    same_day_reason = forms.CharField(
        max_length=300,
        required=False,
        label="Reason for a second needle procedure that day (physician)",
        help_text="Only when the patient already has a needle procedure booked that day.",
    )

    def __init__(self, *args: Any, plan: TreatmentPlan, **kwargs: Any) -> None:
        from marrowtrack.accounts.roles import Role
        from marrowtrack.intake import resources

        super().__init__(*args, **kwargs)
        clinic = plan.patient.clinic
        self.fields["room"].queryset = resources.procedure_rooms(
            clinic, fluoroscopy=plan.needs_harvest
        )
        self.fields["physician"].queryset = resources.staff_with_role(clinic, Role.PHYSICIAN)
        self.fields["nurse"].queryset = resources.staff_with_role(clinic, Role.NURSE)
        if plan.needs_harvest:
            self.fields["centrifuge"].queryset = resources.centrifuges(clinic)
            self.fields["lab_tech"].queryset = resources.staff_with_role(clinic, Role.LAB_TECH)
            self.fields["centrifuge"].required = self.fields["lab_tech"].required = True
        else:
            del self.fields["centrifuge"], self.fields["lab_tech"]


class RescheduleForm(BookingForm):
    reason = forms.CharField(max_length=200)


class ScheduleFilterForm(forms.Form):
    day = forms.DateField(required=False, widget=DateInput())
    view = forms.ChoiceField(choices=[("day", "Day"), ("week", "Week")], required=False)
    resource = forms.ChoiceField(required=False, choices=[("", "All resources")])

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["resource"].choices = [("", "All resources"), *choices]


class SlotFinderForm(forms.Form):
    day = forms.DateField(widget=DateInput())

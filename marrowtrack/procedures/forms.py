"""Forms of the procedure-day pages. Each step's form is built from the gate's checklist."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from marrowtrack.accounts.models import User
from marrowtrack.core.models import Clinic
from marrowtrack.intake.models import Laterality, Target
from marrowtrack.procedures.comparators import drug_choices
from marrowtrack.procedures.dosing import AGENTS, fmt
from marrowtrack.procedures.models import (
    AlternativeAgentPlan,
    AnaestheticAgent,
    Guidance,
    HarvestRecord,
    HarvestSite,
    TimeOut,
)
from marrowtrack.procedures.safety import PREP_CHOICES
from marrowtrack.procedures.services import gates as g
from marrowtrack.procedures.services import signers_resolve
from marrowtrack.procedures.services.discharge import RESTART_ITEM
from marrowtrack.procedures.states import ProcedureState as S

DT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class CheckInForm(forms.Form):
    plan = forms.ChoiceField(label="Patient and plan")
    typed_name = forms.CharField(label="Name (as the patient states it)", max_length=200)
    typed_dob = forms.DateField(
        label="Date of birth (as the patient states it)",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    temperature_c = forms.DecimalField(
        label="Temperature today (°C)",
        max_digits=3,
        decimal_places=1,
        help_text="Required: 38.0 °C or more stops the procedure today.",
    )

    def __init__(self, *args: Any, plans: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plan"].choices = [(str(p.public_id), _who(p)) for p in plans]


def _who(plan: Any) -> str:
    """The patient by name with the MRN, then the plan: "ORTEGA, Lucia · MRN 000123 · ..."."""
    patient = plan.patient
    return f"{patient.family_name.upper()}, {patient.given_name} · MRN {patient.mrn} · {plan}"


def _checks(items: dict[str, str]) -> dict[str, forms.Field]:
    return {key: forms.BooleanField(label=label, required=False) for key, label in items.items()}


class StepForm(forms.Form):
    """Base: ``data_for`` turns cleaned data into the gate's data."""

    def data_for(self, clinic: Clinic, user: User) -> dict[str, Any]:
        return dict(self.cleaned_data)


class TimeOutForm(StepForm):
    prep_agent = forms.ChoiceField(
        label="Skin prep agent confirmed (the patient's allergies allow it)",
        choices=PREP_CHOICES,
    )
    password = forms.CharField(
        label="Your password (to sign)", strip=False, widget=forms.PasswordInput
    )
    username_2 = forms.CharField(label="Team member 2: username", required=False)
    password_2 = forms.CharField(
        label="Team member 2: password", required=False, strip=False, widget=forms.PasswordInput
    )
    username_3 = forms.CharField(label="Team member 3: username", required=False)
    password_3 = forms.CharField(
        label="Team member 3: password", required=False, strip=False, widget=forms.PasswordInput
    )

    def data_for(self, clinic: Clinic, user: User) -> dict[str, Any]:
        d = self.cleaned_data
        entries = [{"username": d[f"username_{i}"], "password": d[f"password_{i}"]} for i in (2, 3)]
        signers = [(user, d["password"]), *signers_resolve(clinic=clinic, entries=entries)]
        return {
            "checklist": {k: d.get(k) for k in TimeOut.ITEMS},
            "signers": signers,
            "prep_agent": d["prep_agent"],
        }


def _form(name: str, fields: dict[str, forms.Field], base: type = StepForm) -> type[StepForm]:
    return type(name, (base,), dict(fields))


# Repeating the last time-out after the record changed: the same items and signatures.
TimeOutRepeatForm = _form("TimeOutRepeatForm", _checks(TimeOut.ITEMS), TimeOutForm)

SCAN = {
    "din_scan": forms.CharField(label="Scan the aspirate DIN", max_length=40),
    "seal_intact": forms.BooleanField(label="Seal intact", required=False),
}
REASON = {"reason": forms.CharField(label="Reason", max_length=300)}
STEP_FORMS: dict[S, type[StepForm]] = {
    S.PRE_ASSESSED: _form(
        "PreAssessForm",
        {
            **_checks(g.PRE_ASSESSMENT),
            "blood_pressure": forms.CharField(
                label="Blood pressure", required=False, max_length=20
            ),
            "pulse": forms.IntegerField(
                label="Pulse (/min)", required=False, min_value=20, max_value=250
            ),
            "temperature_c": forms.DecimalField(
                label="Temperature (°C)", required=False, min_value=30, max_value=45
            ),
        },
    ),
    S.CONSENTED: _form(
        "ConsentForm",
        {
            **_checks(g.CONSENT),
            "harvest_side": forms.ChoiceField(label="Harvest side", choices=HarvestSite.choices),
        },
    ),
    S.SITE_MARKED: _form("SiteForm", _checks(g.SITE_MARKING)),
    S.TIMEOUT_1: _form("TimeOut1Form", _checks(TimeOut.ITEMS), TimeOutForm),
    S.TIMEOUT_2: _form("TimeOut2Form", _checks(TimeOut.ITEMS), TimeOutForm),
    S.LOCAL_ANESTHESIA: _form("AnaesthesiaForm", {}),
    S.HARVESTING: _form("HarvestStartForm", {}),
    S.IN_TRANSIT: _form("DispatchForm", SCAN),
    S.PROCESSING: _form("ReceiveForm", SCAN),
    S.RECOVERY: _form(
        "RecoveryForm",
        {
            **_checks(g.RECOVERY),
            "pain_score": forms.IntegerField(
                label="Pain score (0-10)", required=False, min_value=0, max_value=10
            ),
        },
    ),
    S.DISCHARGED: _form(
        "DischargeForm",
        {
            **_checks({**g.DISCHARGE, **RESTART_ITEM}),
            "blood_pressure": forms.CharField(
                label="Blood pressure at discharge (e.g. 120/80)", max_length=20
            ),
            "pulse": forms.IntegerField(
                label="Pulse at discharge (/min)", min_value=20, max_value=250
            ),
            "anticoagulant_restart_on": forms.DateField(
                label="Blood-thinner restart date (only if the prescriber's plan has none)",
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}),
            ),
        },
    ),
    S.ABORTED: _form("AbortForm", REASON),
    S.PRODUCT_DISCARDED: _form("DiscardForm", REASON),
}


def _preparations() -> list[tuple[str, str]]:
    """Agent and strength as one choice: the strengths the products come in, never a
    free number (issue 8 item 3)."""
    return [
        (f"{agent.code}:{fmt(pct)}", f"{agent.name} {fmt(pct)} % ({fmt(pct * 10)} mg/mL)")
        for agent in AGENTS.values()
        for pct in agent.strengths
    ]


class AnaestheticForm(forms.Form):
    preparation = forms.ChoiceField(
        label="Agent and strength", choices=_preparations, initial="lidocaine:1"
    )
    ml = forms.DecimalField(label="Volume (mL)", min_value=0.1, max_value=100)
    with_epinephrine = forms.BooleanField(
        label="With epinephrine (lidocaine and bupivacaine only)", required=False
    )
    site = forms.CharField(label="Site", max_length=80, initial="posterior iliac crest")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        preparation = data.pop("preparation", None)
        if preparation:
            agent, percent = preparation.split(":")
            data["agent"], data["percent"] = agent, Decimal(percent)
        return data


LidocaineForm = AnaestheticForm


class AlternativeAgentForm(forms.Form):
    kind = forms.ChoiceField(label="Plan", choices=AlternativeAgentPlan.Kind.choices)
    agent = forms.ChoiceField(
        label="Amide the patient tolerates (for a named amide)",
        choices=[("", "—"), *AnaestheticAgent.choices],
        required=False,
    )
    note = forms.CharField(
        label="What is used instead, and on what basis (e.g. allergy test result)",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    password = forms.CharField(
        label="Your password (signs the plan)",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class HarvestForm(forms.ModelForm):
    class Meta:
        model = HarvestRecord
        fields = [
            "side",
            "needle",
            "gauge",
            "punctures",
            "pulls",
            "ml_per_pull",
            "dry_tap",
            "aspirate_ml",
            "anticoagulant",
            "anticoagulant_lot",
            "anticoagulant_ml",
            "fluoroscopy_s",
            "air_kerma_mgy",
            "kap_gy_cm2",
            "started_at",
            "ended_at",
            "complications",
        ]
        labels = {
            "aspirate_ml": "Aspirate (mL, without anticoagulant)",
            "anticoagulant_ml": "Anticoagulant (mL)",
            "fluoroscopy_s": "Fluoroscopy time (s)",
            "air_kerma_mgy": "Air kerma (mGy)",
            "kap_gy_cm2": "Kerma-area product (Gy·cm²)",
        }
        widgets = {"started_at": DT, "ended_at": DT}

    side_reason = forms.CharField(
        label="Reason for a side other than the plan's (physician)",
        required=False,
        max_length=300,
        help_text="Only when the side differs from the plan and consent; you sign it below.",
    )
    side_password = forms.CharField(
        label="Your password (signs the reason)",
        required=False,
        strip=False,
        widget=forms.PasswordInput,
    )


class HarvestAmendForm(forms.Form):
    side = forms.ChoiceField(label="Correct harvest side", choices=HarvestSite.choices)
    reason = forms.CharField(label="Reason for the correction", max_length=300)
    password = forms.CharField(
        label="Your password (to sign the amendment)", strip=False, widget=forms.PasswordInput
    )


class ComparatorInjectionForm(forms.Form):
    """The comparator injection (ADR 0019); the site starts as the plan's and is checked
    against it by the service."""

    drug = forms.ChoiceField(label="Drug")
    dose_mg = forms.DecimalField(label="Dose (mg)", required=False, min_value=0.01)
    dose_reason = forms.CharField(
        label="Reason, if the dose is not the plan's", required=False, max_length=300
    )
    volume_ml = forms.DecimalField(label="Volume (mL)", min_value=0.1, max_value=100)
    lot = forms.CharField(label="Lot number", max_length=40)
    lot_expires_on = forms.DateField(
        label="Lot expiry date", widget=forms.DateInput(attrs={"type": "date"})
    )
    guidance = forms.ChoiceField(label="Guidance", choices=Guidance.choices)
    target = forms.ChoiceField(label="Target", choices=Target.choices)
    laterality = forms.ChoiceField(label="Side", choices=Laterality.choices)
    target_level = forms.CharField(label="Spinal level", required=False, max_length=20)
    given_at = forms.DateTimeField(label="Given at (blank: now)", required=False, widget=DT)
    anaesthetic_percent = forms.DecimalField(
        label="Lidocaine mixed in: concentration (%)", required=False, min_value=0.1, max_value=10
    )
    anaesthetic_ml = forms.DecimalField(
        label="Lidocaine mixed in: volume (mL)", required=False, min_value=0.1, max_value=100
    )
    anaesthetic_epinephrine = forms.BooleanField(label="With epinephrine", required=False)

    def __init__(self, *args: Any, plan: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "target": plan.target,
                "laterality": plan.laterality,
                "target_level": plan.target_level,
                "guidance": plan.guidance,
                "dose_mg": plan.dose_mg,
                "volume_ml": plan.volume_ml,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["drug"].choices = drug_choices(plan.treatment)

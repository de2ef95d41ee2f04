"""Forms of the procedure-day pages. Each step's form is built from the gate's checklist."""

from __future__ import annotations

from typing import Any

from django import forms

from marrowtrack.accounts.models import User
from marrowtrack.core.models import Clinic
from marrowtrack.procedures.models import HarvestRecord, HarvestSite, TimeOut
from marrowtrack.procedures.services import gates as g
from marrowtrack.procedures.services import signers_resolve
from marrowtrack.procedures.states import ProcedureState as S

DT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class CheckInForm(forms.Form):
    plan = forms.ChoiceField(label="Patient and plan")
    typed_name = forms.CharField(label="Name (as the patient states it)", max_length=200)
    typed_dob = forms.DateField(
        label="Date of birth (as the patient states it)",
        widget=forms.DateInput(attrs={"type": "date"}),
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
        return {"checklist": {k: d.get(k) for k in TimeOut.ITEMS}, "signers": signers}


def _form(name: str, fields: dict[str, forms.Field], base: type = StepForm) -> type[StepForm]:
    return type(name, (base,), dict(fields))


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
    S.DISCHARGED: _form("DischargeForm", _checks(g.DISCHARGE)),
    S.ABORTED: _form("AbortForm", REASON),
    S.PRODUCT_DISCARDED: _form("DiscardForm", REASON),
}


class LidocaineForm(forms.Form):
    percent = forms.DecimalField(label="Concentration (%)", min_value=0.1, max_value=10, initial=1)
    ml = forms.DecimalField(label="Volume (mL)", min_value=0.1, max_value=100)
    with_epinephrine = forms.BooleanField(label="With epinephrine", required=False)
    site = forms.CharField(label="Site", max_length=80, initial="posterior iliac crest")


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

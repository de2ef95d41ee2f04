from __future__ import annotations

from django import forms

from marrowtrack.core.forms import VersionedFormMixin
from marrowtrack.core.validators import PlainInputFormMixin
from marrowtrack.facilities.models import Equipment, KitLot, Room

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RoomForm(VersionedFormMixin, PlainInputFormMixin, forms.ModelForm):
    class Meta:
        model = Room
        fields = ["name", "kind", "has_fluoroscopy", "has_ultrasound", "active"]


class EquipmentForm(VersionedFormMixin, PlainInputFormMixin, forms.ModelForm):
    class Meta:
        model = Equipment
        fields = ["name", "kind", "serial_number", "rotor_radius_cm", "calibration_due", "active"]
        labels = {"rotor_radius_cm": "Rotor radius (cm), centrifuges"}
        widgets = {"calibration_due": DATE}


class KitLotForm(VersionedFormMixin, PlainInputFormMixin, forms.ModelForm):
    class Meta:
        model = KitLot
        fields = ["device", "lot_number", "expires_on", "received_on", "quantity_received"]
        labels = {"quantity_received": "Kits received"}
        widgets = {"expires_on": DATE, "received_on": DATE}


class KitLotStatusForm(PlainInputFormMixin, forms.Form):
    status = forms.ChoiceField(
        choices=[
            (KitLot.Status.RECALLED, "Recall (final)"),
            (KitLot.Status.WITHDRAWN, "Withdraw from use"),
            (KitLot.Status.AVAILABLE, "Return to use (withdrawn lots only)"),
        ]
    )
    reason = forms.CharField(max_length=300, help_text="e.g. the manufacturer's recall notice")

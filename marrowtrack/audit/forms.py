from __future__ import annotations

from django import forms

from marrowtrack.audit.models import AuditAction


class AuditFilterForm(forms.Form):
    actor = forms.CharField(required=False, max_length=150, label="Person")
    action = forms.ChoiceField(
        required=False, choices=[("", "Any action"), *AuditAction.choices], label="Action"
    )
    entity = forms.CharField(required=False, max_length=80, label="Record type")
    mrn = forms.CharField(required=False, max_length=20, label="Patient MRN")
    patient_id = forms.UUIDField(required=False, label="Patient ID", widget=forms.HiddenInput)
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

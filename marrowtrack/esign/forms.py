from __future__ import annotations

from django import forms


class SignatureFieldsMixin(forms.Form):
    """Password (and code) fields that every signing form includes."""

    password = forms.CharField(
        label="Your password (to sign)",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    totp = forms.CharField(
        required=False,
        label="6-digit code (if two-factor is on)",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class LeavePatientModeForm(forms.Form):
    """The staff member who handed the tablet over takes it back with their password."""

    password = forms.CharField(
        label="Staff password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    totp = forms.CharField(
        required=False,
        label="6-digit code (if two-factor is on)",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

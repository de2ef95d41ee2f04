from __future__ import annotations

from typing import Any

from django import forms
from django_otp import devices_for_user
from django_otp.forms import OTPAuthenticationForm


class LoginForm(OTPAuthenticationForm):
    """Username, password and, for accounts with two-factor on, the 6-digit code."""

    otp_device = forms.CharField(required=False, widget=forms.HiddenInput)
    otp_challenge = forms.CharField(required=False, widget=forms.HiddenInput)
    otp_token = forms.CharField(
        required=False,
        label="Authentication code",
        help_text="The 6-digit code from your authenticator app, if two-factor is on.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_otp(self, user: Any) -> None:
        # django-otp's form always demands a code; accounts without two-factor use the
        # password alone (MARROWTRACK_REQUIRE_2FA then sends them to enrolment).
        if user is None or not list(devices_for_user(user, confirmed=True)):
            return
        super().clean_otp(user)

    def _chosen_device(self, user: Any) -> Any:
        # The page has no device picker: a staff member has one confirmed authenticator.
        device = super()._chosen_device(user)
        if device is None:
            device = next(iter(devices_for_user(user, confirmed=True, for_verify=True)), None)
        return device


class TotpConfirmForm(forms.Form):
    token = forms.RegexField(
        regex=r"^\d{6}$",
        label="6-digit code",
        error_messages={"invalid": "Enter the 6 digits shown in your authenticator app."},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label="Current password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label="New password",
        strip=False,
        help_text="At least 10 characters, not a common password, not only digits.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password_again = forms.CharField(
        label="New password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password") != data.get("new_password_again"):
            self.add_error("new_password_again", "The two new passwords are not the same.")
        return data

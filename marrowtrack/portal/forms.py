"""Portal forms: sign-in, the check-in questions, password and contact preference.
Labels are in the patient's language (lazy translation)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class LinkRequestForm(forms.Form):
    identifier = forms.CharField(
        label=_("Your email address or mobile number"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "inputmode": "email"}),
    )


class PasswordSignInForm(forms.Form):
    identifier = forms.CharField(
        label=_("Your email address or mobile number"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class PasswordSetForm(forms.Form):
    password = forms.CharField(
        label=_("New password (at least 10 characters)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    confirm = forms.CharField(
        label=_("The same password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class ContactForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("How should we send check-ins and reminders?"),
        choices=[("sms", _("Text message")), ("email", _("Email")), ("none", _("Do not send"))],
        widget=forms.RadioSelect,
    )

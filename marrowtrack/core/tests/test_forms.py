"""apply_errors puts a service's refusal on the form without repeating what is there."""

from __future__ import annotations

from django import forms

from marrowtrack.core.exceptions import ValidationFailed
from marrowtrack.core.forms import apply_errors


class _VolumeForm(forms.Form):
    volume_ml = forms.DecimalField()


def test_a_forms_own_errors_raised_back_at_it_are_not_added_again() -> None:
    form = _VolumeForm({})
    assert not form.is_valid()

    apply_errors(form, ValidationFailed(form.errors))

    assert form.errors["volume_ml"] == ["This field is required."]


def test_a_service_refusal_lands_on_its_field_or_at_the_top() -> None:
    form = _VolumeForm({"volume_ml": "3"})
    assert form.is_valid()

    apply_errors(form, ValidationFailed({"volume_ml": ["Too much."], "other": ["Not here."]}))

    assert form.errors["volume_ml"] == ["Too much."]
    assert form.non_field_errors() == ["Not here."]

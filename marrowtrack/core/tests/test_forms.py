"""apply_errors puts a service's refusal on the form without repeating what is there;
run_form_action validates, runs the service and says whether it went through."""

from __future__ import annotations

from django import forms

from marrowtrack.core.exceptions import DomainError, ValidationFailed
from marrowtrack.core.forms import Done, apply_errors, run_form_action


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


class _RefusingService:
    """Stands in for a service: records that it ran and refuses or returns as told."""

    def __init__(self, *, refuse: DomainError | None = None, value: object = None) -> None:
        self.refuse, self.value, self.calls = refuse, value, 0

    def __call__(self) -> object:
        self.calls += 1
        if self.refuse is not None:
            raise self.refuse
        return self.value


def test_run_form_action_runs_nothing_for_an_unbound_or_invalid_form() -> None:
    service = _RefusingService()

    assert run_form_action(_VolumeForm(), service) is None
    assert run_form_action(_VolumeForm({"volume_ml": "lots"}), service) is None
    assert service.calls == 0


def test_run_form_action_puts_a_refusal_on_the_form_and_answers_none() -> None:
    form = _VolumeForm({"volume_ml": "3"})
    service = _RefusingService(refuse=DomainError("Too much for one syringe.", field="volume_ml"))

    assert run_form_action(form, service) is None
    assert form.errors["volume_ml"] == ["Too much for one syringe."]


def test_run_form_action_names_the_field_in_each_message_when_asked() -> None:
    form = _VolumeForm({"volume_ml": "3"})
    refusal = ValidationFailed({"volume_ml": ["Out of range."]})

    run_form_action(form, _RefusingService(refuse=refusal), name_field=True)

    assert form.errors["volume_ml"] == ["volume_ml: Out of range."]


def test_run_form_action_answers_what_the_service_returned_even_none() -> None:
    done = run_form_action(_VolumeForm({"volume_ml": "3"}), _RefusingService(value=None))
    assert done == Done(None) and done

    done = run_form_action(_VolumeForm({"volume_ml": "3"}), _RefusingService(value="saved"))
    assert done is not None and done.value == "saved"

"""A field renders through the project's field-group template: the label names the input,
and the help and the errors carry the ids the input's aria-describedby points at."""

from __future__ import annotations

from django import forms


class _DoseForm(forms.Form):
    volume_ml = forms.DecimalField(label="Volume (mL)", help_text="Up to 10 mL a syringe.")
    consented = forms.BooleanField(label="Consent witnessed", required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


def test_the_label_names_the_input_and_marks_a_required_field() -> None:
    html = _DoseForm()["volume_ml"].as_field_group()

    assert (
        '<label for="id_volume_ml">Volume (mL) <span class="req" aria-hidden="true">*</span>'
        in html
    )
    assert '<p class="help" id="id_volume_ml_helptext">Up to 10 mL a syringe.</p>' in html
    assert 'aria-describedby="id_volume_ml_helptext"' in html


def test_an_error_is_tied_to_the_input_and_marks_it_invalid() -> None:
    form = _DoseForm({"volume_ml": "lots"})
    assert not form.is_valid()

    html = form["volume_ml"].as_field_group()

    assert 'class="field field-invalid"' in html
    assert '<div id="id_volume_ml_error"><p class="error">Enter a number.</p></div>' in html
    assert 'aria-describedby="id_volume_ml_helptext id_volume_ml_error"' in html
    assert 'aria-invalid="true"' in html


def test_a_checkbox_sits_inside_its_label_and_a_hidden_field_has_no_label() -> None:
    form = _DoseForm()

    assert '<label class="checkbox"><input type="checkbox"' in form["consented"].as_field_group()
    assert "<label" not in form["version"].as_field_group()

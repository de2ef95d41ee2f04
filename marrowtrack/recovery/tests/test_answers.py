"""Check-in answers are checked field by field before triage."""

from __future__ import annotations

from decimal import Decimal

import pytest

from marrowtrack.recovery import answers
from marrowtrack.recovery import triage as t

BASE = {"treated_pain": "4", "harvest_pain": "2"}


def test_valid_answers_become_triage_input_and_stored_json():
    parsed = answers.parse({**BASE, "temperature": "100.4", "temperature_unit": "F"}, harvest=True)
    assert not isinstance(parsed, dict)
    result, stored = parsed
    assert result.temperature_c == Decimal("38")
    assert stored["temperature_c"] == "38.0"
    assert stored["temperature_entered"] == "100.4 F"
    assert stored["harvest_pain"] == 2


@pytest.mark.parametrize("value", ["", None, "11", "-1", "7.5", "seven"])
def test_pain_must_be_a_whole_number_from_0_to_10(value):
    problems = answers.parse({**BASE, "treated_pain": value}, harvest=True)
    assert "treated_pain" in problems


def test_harvest_pain_is_required_only_after_a_harvest():
    assert "harvest_pain" in answers.parse({"treated_pain": "3"}, harvest=True)
    parsed = answers.parse({"treated_pain": "3"}, harvest=False)
    assert parsed[0].harvest_pain is None


@pytest.mark.parametrize(
    ("value", "unit"), [("33.9", "C"), ("43.1", "C"), ("200", "F"), ("x", "C")]
)
def test_implausible_temperatures_are_refused(value, unit):
    assert "temperature" in answers.parse(
        {**BASE, "temperature": value, "temperature_unit": unit}, harvest=True
    )


def test_a_comma_decimal_is_read():
    parsed = answers.parse({**BASE, "temperature": "38,2"}, harvest=True)
    assert parsed[0].temperature_c == Decimal("38.2")


def test_unknown_choices_and_signs_are_refused():
    problems = answers.parse({**BASE, "redness": "purple", "signs": ["sneezing"]}, harvest=True)
    assert set(problems) == {"redness", "signs"}


def test_growing_hip_swelling_is_refused_without_a_harvest():
    problems = answers.parse({"treated_pain": "3", "swelling": "harvest_growing"}, harvest=False)
    assert "swelling" in problems


def test_flags_accept_form_and_json_values():
    parsed = answers.parse(
        {**BASE, "feverish": "on", "wants_call": True, "nsaids_taken": ""}, harvest=True
    )
    assert parsed[0].feverish and parsed[0].wants_call and not parsed[0].nsaids_taken
    assert parsed[0].signs == frozenset()
    assert answers.parse({**BASE, "signs": "hives"}, harvest=True)[0].signs == {t.Sign.HIVES}


def test_a_very_long_note_is_refused():
    assert "note" in answers.parse({**BASE, "note": "x" * 1001}, harvest=True)

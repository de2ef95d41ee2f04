"""Pre-procedure instruction dates (domain.md §0 and §4 washout windows)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from marrowtrack.intake.facts import DrugClass, Medication
from marrowtrack.intake.instructions import (
    InstructionDefaults,
    long_date,
    nsaid_window,
    pre_procedure_instructions,
)

CHICAGO = ZoneInfo("America/Chicago")
START = datetime(2026, 4, 6, 9, 0, tzinfo=CHICAGO)  # a Monday
PROCEDURE_ON = date(2026, 4, 6)


def test_nsaids_stop_7_days_before_and_restart_after_7_full_days_after() -> None:
    instructions = pre_procedure_instructions(procedure_start=START, medications=())
    assert instructions.nsaid_stop_on == date(2026, 3, 30)
    assert instructions.nsaid_restart_on == date(2026, 4, 14)


def test_nsaid_dates_follow_the_clinic_defaults() -> None:
    window = nsaid_window(PROCEDURE_ON, hold_days_before=14, avoid_days_after=42)
    assert (window.stop_on, window.restart_on) == (date(2026, 3, 23), date(2026, 5, 19))


def test_arrival_is_30_minutes_before_the_start_in_the_clinic_timezone() -> None:
    instructions = pre_procedure_instructions(procedure_start=START, medications=())
    assert instructions.arrive_at == datetime(2026, 4, 6, 8, 30, tzinfo=CHICAGO)
    assert instructions.fixed_items[0] == (
        "Arrive at 08:30 on Monday 6 April 2026, 30 minutes before your procedure starts at 09:00."
    )


def test_the_arrival_lead_time_is_configurable() -> None:
    defaults = InstructionDefaults(arrival_lead_minutes=45)
    instructions = pre_procedure_instructions(
        procedure_start=START, medications=(), defaults=defaults
    )
    assert instructions.arrive_at == datetime(2026, 4, 6, 8, 15, tzinfo=CHICAGO)


def test_the_procedure_date_is_taken_in_the_start_times_own_timezone() -> None:
    late_utc = datetime(2026, 4, 6, 2, 0, tzinfo=UTC)  # still 5 April in Chicago
    instructions = pre_procedure_instructions(
        procedure_start=late_utc.astimezone(CHICAGO), medications=()
    )
    assert instructions.nsaid_stop_on == date(2026, 3, 29)


def test_a_naive_start_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        pre_procedure_instructions(procedure_start=datetime(2026, 4, 6, 9, 0), medications=())


def test_paracetamol_is_allowed_and_said_so() -> None:
    instructions = pre_procedure_instructions(procedure_start=START, medications=())
    assert instructions.acetaminophen_allowed is True
    assert any(
        "Paracetamol (acetaminophen) is allowed" in item for item in instructions.fixed_items
    )


def test_the_fixed_items_cover_clothing_driver_what_to_bring_and_nsaid_dates() -> None:
    items = " ".join(pre_procedure_instructions(procedure_start=START, medications=()).fixed_items)
    for phrase in ("gown", "drive you home", "photo ID", "2 to 3 hours", "Monday 30 March 2026"):
        assert phrase in items


def test_an_ongoing_nsaid_gets_its_last_dose_and_restart_dates() -> None:
    instructions = pre_procedure_instructions(
        procedure_start=START, medications=(Medication("ibuprofen", DrugClass.NSAID),)
    )
    (item,) = instructions.medications
    assert (item.last_dose_by, item.restart_on) == (date(2026, 3, 29), date(2026, 4, 14))
    assert item.text == (
        "ibuprofen: take your last dose on or before Sunday 29 March 2026. Take none from "
        "Monday 30 March 2026; you may restart on Tuesday 14 April 2026."
    )


@pytest.mark.parametrize(
    ("stopped_on", "affected"), [(date(2026, 3, 29), False), (date(2026, 3, 30), True)]
)
def test_an_nsaid_already_stopped_before_the_stop_date_is_not_listed(
    stopped_on: date, affected: bool
) -> None:
    medication = Medication("naproxen", DrugClass.NSAID, date(2025, 1, 1), stopped_on)
    instructions = pre_procedure_instructions(procedure_start=START, medications=(medication,))
    assert bool(instructions.medications) is affected


@pytest.mark.parametrize(
    ("stopped_on", "affected"), [(None, True), (date(2026, 3, 10), True), (date(2026, 3, 9), False)]
)
def test_a_systemic_steroid_must_have_its_last_dose_4_weeks_before(
    stopped_on: date | None, affected: bool
) -> None:
    medication = Medication(
        "prednisolone", DrugClass.SYSTEMIC_CORTICOSTEROID, date(2025, 1, 1), stopped_on
    )
    instructions = pre_procedure_instructions(procedure_start=START, medications=(medication,))
    assert bool(instructions.medications) is affected
    if affected:
        item = instructions.medications[0]
        assert (item.last_dose_by, item.restart_on) == (date(2026, 3, 9), None)
        assert "Do not stop or change steroid tablets on your own" in item.text


@pytest.mark.parametrize("drug_class", [DrugClass.ANTICOAGULANT, DrugClass.ANTIPLATELET])
def test_blood_thinners_are_listed_without_a_computed_date_the_prescriber_decides(
    drug_class: DrugClass,
) -> None:
    instructions = pre_procedure_instructions(
        procedure_start=START, medications=(Medication("apixaban", drug_class),)
    )
    (item,) = instructions.medications
    assert (item.last_dose_by, item.restart_on) == (None, None)
    assert "Your prescriber decides" in item.text


def test_a_blood_thinner_stopped_a_week_or_more_before_is_not_listed() -> None:
    week_before = Medication(
        "clopidogrel", DrugClass.ANTIPLATELET, None, PROCEDURE_ON - timedelta(days=7)
    )
    six_days = Medication(
        "clopidogrel", DrugClass.ANTIPLATELET, None, PROCEDURE_ON - timedelta(days=6)
    )
    assert (
        pre_procedure_instructions(procedure_start=START, medications=(week_before,)).medications
        == ()
    )
    assert (
        len(pre_procedure_instructions(procedure_start=START, medications=(six_days,)).medications)
        == 1
    )


def test_other_medications_are_not_affected() -> None:
    instructions = pre_procedure_instructions(
        procedure_start=START, medications=(Medication("metformin", DrugClass.OTHER),)
    )
    assert instructions.medications == ()


@pytest.mark.parametrize("bad", [-1, True, 1.5])
def test_instruction_defaults_refuse_negative_or_non_whole_numbers(bad: object) -> None:
    with pytest.raises(ValueError, match="nsaid_hold_days_before"):
        InstructionDefaults(nsaid_hold_days_before=bad)  # type: ignore[arg-type]


def test_long_dates_spell_out_the_weekday_and_month() -> None:
    assert long_date(date(2026, 3, 2)) == "Monday 2 March 2026"

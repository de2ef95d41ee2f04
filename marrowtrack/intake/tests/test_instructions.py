"""Patient instructions per treatment (issue 8 item 16, issue 9 item 3): dates from the
washout windows and holds, no date in the past, after-care and the full warning signs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from marrowtrack.intake.facts import DrugClass, Medication, MedicationHold, Treatment
from marrowtrack.intake.instructions import (
    BloodThinnerHold,
    InstructionDefaults,
    Phones,
    long_date,
    nsaid_window,
    pre_procedure_instructions,
)

CHICAGO = ZoneInfo("America/Chicago")
START = datetime(2026, 4, 6, 9, 0, tzinfo=CHICAGO)  # a Monday
PROCEDURE_ON = date(2026, 4, 6)
PHONES = Phones("555 0100", "555 0199")
IBUPROFEN = Medication("ibuprofen", DrugClass.NSAID, ref="med-1")
APIXABAN = Medication("apixaban", DrugClass.ANTICOAGULANT, ref="med-2")


def _for(treatment: Treatment, **kwargs: object):
    return pre_procedure_instructions(
        procedure_start=START, medications=(), treatment=treatment, phones=PHONES, **kwargs
    )


def _all_text(instructions) -> str:
    signs = instructions.warning_signs
    parts = [*instructions.fixed_items, *instructions.after_care]
    parts += [m.text for m in instructions.medications]
    if signs:
        parts += [*signs.call_clinic, *signs.call_emergency, signs.how_to_call]
    return " ".join(parts)


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
        "Arrive at 08:30 on Monday 6 April 2026, 30 minutes before your appointment starts "
        "at 09:00."
    )


def test_the_arrival_lead_time_is_configurable() -> None:
    defaults = InstructionDefaults(arrival_lead_minutes=45)
    instructions = pre_procedure_instructions(
        procedure_start=START, medications=(), defaults=defaults
    )
    assert instructions.arrive_at == datetime(2026, 4, 6, 8, 15, tzinfo=CHICAGO)
    assert "45 minutes before" in instructions.fixed_items[0]


def test_the_procedure_date_is_taken_in_the_start_times_own_timezone() -> None:
    late_utc = datetime(2026, 4, 6, 2, 0, tzinfo=UTC)  # still 5 April in Chicago
    instructions = pre_procedure_instructions(
        procedure_start=late_utc.astimezone(CHICAGO), medications=()
    )
    assert instructions.nsaid_stop_on == date(2026, 3, 29)


def test_a_naive_start_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        pre_procedure_instructions(procedure_start=datetime(2026, 4, 6, 9, 0), medications=())


# --- what applies to which treatment ------------------------------------------------------


def test_a_bmac_day_has_the_gown_driver_nsaid_and_paracetamol_lines() -> None:
    text = " ".join(_for(Treatment.BMAC).fixed_items)
    for phrase in ("gown", "drive you home", "photo ID", "2 to 3 hours", "Monday 30 March 2026"):
        assert phrase in text
    assert "Paracetamol (acetaminophen) is allowed" in text


@pytest.mark.parametrize("treatment", [Treatment.CSI, Treatment.HA, Treatment.NERVE_BLOCK])
def test_cortisone_ha_and_nerve_blocks_get_no_nsaid_hold_gown_or_driver_line(
    treatment: Treatment,
) -> None:
    instructions = pre_procedure_instructions(
        procedure_start=START, medications=(IBUPROFEN,), treatment=treatment, phones=PHONES
    )
    before = " ".join(instructions.fixed_items)
    assert (instructions.nsaid_stop_on, instructions.nsaid_restart_on) == (None, None)
    assert instructions.medications == ()  # ibuprofen needs no hold for these
    for absent in ("NSAID", "gown", "drive you home", "marrow", "2 to 3 hours"):
        assert absent not in before
    assert instructions.acetaminophen_allowed is False


def test_prp_keeps_the_nsaid_hold_but_has_no_gown_or_driver_line() -> None:
    instructions = _for(Treatment.PRP)
    before = " ".join(instructions.fixed_items)
    assert instructions.nsaid_stop_on == date(2026, 3, 30)
    assert "gown" not in before and "drive you home" not in before


def test_cortisone_instructions_give_its_own_after_care_and_warning_signs() -> None:
    instructions = _for(Treatment.CSI)
    after = " ".join(instructions.after_care)
    assert "blood sugar" in after and "a day or two" in after
    assert "2 to 5 days" not in after and "NSAID" not in after and "hip" not in after
    assert instructions.warning_signs is not None


@pytest.mark.parametrize("treatment", sorted(set(Treatment) - {Treatment.EXERCISE}))
def test_every_injection_lists_every_call_back_trigger_and_the_numbers(
    treatment: Treatment,
) -> None:
    signs = _for(treatment).warning_signs
    assert signs is not None
    clinic = " ".join(signs.call_clinic)
    for trigger in (
        "38.0 °C (100.4 °F)",
        "Redness that spreads, red streaks",
        "pus",
        "10 to 15 minutes of firm pressure",
        "keeps growing or becomes tense",
        "hot, swollen joint",
        "cannot put weight on",
        "72 hours",
        "New weakness or numbness",
        "between the legs",
        "bladder or bowel",
        "worse when you sit or stand up",
        "calf",
        "Hives",
    ):
        assert trigger in clinic, trigger
    assert signs.call_emergency == (
        "Chest pain.",
        "Shortness of breath.",
        "Collapse, or fainting that you do not quickly recover from.",
    )
    assert signs.how_to_call == "call the clinic on 555 0100 (after hours 555 0199)"


def test_the_harvest_site_swelling_sign_names_the_hip_for_bmac_only() -> None:
    bmac = " ".join(_for(Treatment.BMAC).warning_signs.call_clinic)  # type: ignore[union-attr]
    csi = " ".join(_for(Treatment.CSI).warning_signs.call_clinic)  # type: ignore[union-attr]
    assert "the hip where the marrow was taken" in bmac
    assert "the injection site" in csi and "hip" not in csi


def test_an_exercise_programme_has_no_injection_warnings() -> None:
    assert _for(Treatment.EXERCISE).warning_signs is None


# --- medicines ------------------------------------------------------------------------------


def test_an_ongoing_nsaid_gets_its_last_dose_and_restart_dates() -> None:
    instructions = pre_procedure_instructions(procedure_start=START, medications=(IBUPROFEN,))
    (item,) = instructions.medications
    assert (item.last_dose_by, item.restart_on) == (date(2026, 3, 29), date(2026, 4, 14))
    assert item.text == (
        "ibuprofen: take your last dose on or before Sunday 29 March 2026. Take none after "
        "that; you may restart on Tuesday 14 April 2026."
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


def _apixaban_need(hold: MedicationHold | None = None) -> BloodThinnerHold:
    return BloodThinnerHold(APIXABAN, 3, PROCEDURE_ON - timedelta(days=4), hold)


def test_a_blood_thinner_without_a_hold_plan_says_the_prescriber_decides_and_the_usual_hold():
    instructions = pre_procedure_instructions(
        procedure_start=START, medications=(), blood_thinner_holds=(_apixaban_need(),)
    )
    (item,) = instructions.medications
    assert item.last_dose_by == date(2026, 4, 2)
    assert "do not stop it on your own" in item.text
    assert "3 full days" in item.text and "Thursday 2 April 2026" in item.text


def test_the_prescribers_hold_plan_feeds_the_instructions() -> None:
    hold = MedicationHold("med-2", date(2026, 4, 1), date(2026, 4, 8), "Dr A. Mensah")
    instructions = pre_procedure_instructions(
        procedure_start=START, medications=(), blood_thinner_holds=(_apixaban_need(hold),)
    )
    (item,) = instructions.medications
    assert (item.last_dose_by, item.restart_on) == (date(2026, 4, 1), date(2026, 4, 8))
    assert "Dr A. Mensah has planned your last dose on Wednesday 1 April 2026" in item.text
    assert "Restart on Wednesday 8 April 2026" in item.text


def test_other_medications_are_not_affected() -> None:
    instructions = pre_procedure_instructions(
        procedure_start=START, medications=(Medication("metformin", DrugClass.OTHER),)
    )
    assert instructions.medications == ()


# --- no date in the past (issue 9 item 3) -------------------------------------------------------


def test_a_booking_inside_the_nsaid_hold_says_stop_today_and_call_never_a_past_date() -> None:
    today = PROCEDURE_ON - timedelta(days=3)  # the 30 March stop date has passed
    instructions = pre_procedure_instructions(
        procedure_start=START,
        medications=(IBUPROFEN,),
        today=today,
        phones=PHONES,
    )
    text = _all_text(instructions)
    assert instructions.nsaid_hold_too_short is True
    assert "Monday 30 March" not in text and "Sunday 29 March" not in text
    assert "from today until Tuesday 14 April 2026" in text
    (item,) = instructions.medications
    assert item.last_dose_by is None
    assert "call the clinic on 555 0100 (after hours 555 0199) today" in item.text


def test_a_blood_thinner_whose_last_day_has_passed_is_told_to_stop_now_and_call() -> None:
    today = PROCEDURE_ON - timedelta(days=2)  # last dose was due by 2 April
    instructions = pre_procedure_instructions(
        procedure_start=START,
        medications=(),
        blood_thinner_holds=(_apixaban_need(),),
        today=today,
        phones=PHONES,
    )
    (item,) = instructions.medications
    assert item.last_dose_by is None
    assert "2 April" not in item.text
    assert "take no more doses now" in item.text and "call the clinic on 555 0100" in item.text


def test_on_the_last_permitted_day_the_date_is_still_given() -> None:
    today = PROCEDURE_ON - timedelta(days=8)  # 29 March, the last NSAID day
    instructions = pre_procedure_instructions(
        procedure_start=START, medications=(IBUPROFEN,), today=today
    )
    assert instructions.nsaid_hold_too_short is False
    assert instructions.medications[0].last_dose_by == date(2026, 3, 29)


@pytest.mark.parametrize("bad", [-1, True, 1.5])
def test_instruction_defaults_refuse_negative_or_non_whole_numbers(bad: object) -> None:
    with pytest.raises(ValueError, match="nsaid_hold_days_before"):
        InstructionDefaults(nsaid_hold_days_before=bad)  # type: ignore[arg-type]


def test_long_dates_spell_out_the_weekday_and_month() -> None:
    assert long_date(date(2026, 3, 2)) == "Monday 2 March 2026"

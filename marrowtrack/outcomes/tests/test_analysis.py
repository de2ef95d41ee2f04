"""Responders from stored scores: OMERACT-OARSI as published (WOMAC pain and function, asked or
derived from KOOS/HOOS, and the PGA), PGIC responders kept apart, hand-worked cases."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import time_machine

from marrowtrack.outcomes.analysis import oarsi_for, pgic_responder, plan_responders
from marrowtrack.outcomes.responders import omeract_oarsi_responder
from marrowtrack.outcomes.scoring import instrument
from marrowtrack.outcomes.services.responses import response_transcribe, response_verify
from marrowtrack.outcomes.tests.factories import PAPER, make_plan

CASES = json.loads((Path(__file__).parent / "fixtures" / "oarsi_cases.json").read_text())["cases"]


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_oarsi_hand_worked_cases(case: dict) -> None:
    result = omeract_oarsi_responder(
        pain=tuple(case["pain"]),
        function=tuple(case["function"]),
        patient_global=tuple(case["patient_global"]),
    )
    assert result.responder is case["responder"], case["arithmetic"]
    assert result.criterion == case["criterion"]
    assert list(result.improved_domains) == case["improved"]


def _scores(pain: float, function: float, pga: float | None, source: str = "WOMAC") -> dict:
    scores = {"WOMAC": {"pain": pain, "function": function, "_from": source}}
    if pga is not None:
        scores["PGA"] = {"total": pga, "_from": "PGA"}
    return scores


def test_oarsi_uses_womac_pain_function_and_the_pga_and_names_its_sources() -> None:
    result, note = oarsi_for(_scores(40, 50, 60, "KOOS"), _scores(20, 50, 60, "KOOS"))
    assert result is not None and result.criterion == "high improvement in pain"
    assert (
        note == "WOMAC from the KOOS items at baseline, WOMAC from the KOOS items at follow-up; PGA"
    )


def test_the_pga_counts_as_the_patient_global_in_two_of_three() -> None:
    result, _ = oarsi_for(_scores(50, 50, 60), _scores(40, 50, 48))
    assert result is not None and result.responder
    assert result.improved_domains == ("pain", "patient_global")


def test_a_pgic_is_never_the_patient_global_so_without_a_pga_oarsi_is_not_assessable() -> None:
    follow_up = {**_scores(40, 50, None), "PGIC": {"total": 1}}
    result, note = oarsi_for(_scores(50, 50, None), follow_up)
    assert result is None
    assert note == "not assessable: no patient global at baseline; no patient global at follow-up"


def test_pgic_responders_are_reported_apart_from_oarsi() -> None:
    assert pgic_responder({"PGIC": {"total": 2}}) is True
    assert pgic_responder({"PGIC": {"total": 3}}) is False
    assert pgic_responder({}) is None


def _transcribe(plan, staff, day: date, code: str, answers: dict) -> None:
    with time_machine.travel(f"{day} 12:00-05:00", tick=False):
        response = response_transcribe(
            plan=plan,
            instrument=code,
            answers=answers,
            answered_on=day,
            by=staff["nurse"],
            form=PAPER,
        )
        response_verify(response=response, by=staff["physician"])


def _all(code: str, value: int) -> dict:
    return dict.fromkeys(instrument(code).definition.item_codes, value)


@pytest.mark.django_db
def test_knee_oa_oarsi_from_koos_answers_and_the_pga(patient, staff) -> None:
    """Baseline KOOS all 2: WOMAC pain (P5-P9) raw 10 -> 50, function (A1-A17) 34 -> 50; PGA 60.
    3 months KOOS all 1: WOMAC pain 25 (25 points, 50 %): high improvement in pain."""
    plan = make_plan(patient, staff["physician"])
    _transcribe(plan, staff, date(2026, 1, 5), "KOOS", _all("KOOS", 2))
    _transcribe(plan, staff, date(2026, 1, 5), "PGA", {"PGA": 60})
    _transcribe(plan, staff, date(2026, 4, 8), "KOOS", _all("KOOS", 1))
    _transcribe(plan, staff, date(2026, 4, 8), "PGA", {"PGA": 55})
    (row,) = plan_responders(plan=plan)
    assert row.timepoint == "3m" and row.oarsi is not None
    assert row.oarsi.responder and row.oarsi.criterion == "high improvement in pain and function"


@pytest.mark.django_db
def test_hip_oa_oarsi_from_hoos_answers_two_moderate_domains(patient, staff) -> None:
    """Baseline HOOS all 2: WOMAC pain (HOOS P4-P8) 50, function 50; PGA 50.
    3 months: P4-P8 = 2,2,2,1,1 -> raw 8 -> 40 (10 points, 20 %); A1-A17 sum 27 ->
    27/68 x 100 = 39.71 (10.29 points, 20.6 %); PGA 50: moderate in 2 of 3 -> responder."""
    plan = make_plan(patient, staff["physician"], condition="other", target="hip")
    follow_up = _all("HOOS", 2) | {"P7": 1, "P8": 1} | {f"A{i}": 1 for i in range(11, 18)}
    _transcribe(plan, staff, date(2026, 1, 5), "HOOS", _all("HOOS", 2))
    _transcribe(plan, staff, date(2026, 1, 5), "PGA", {"PGA": 50})
    _transcribe(plan, staff, date(2026, 4, 8), "HOOS", follow_up)
    _transcribe(plan, staff, date(2026, 4, 8), "PGA", {"PGA": 50})
    (row,) = plan_responders(plan=plan)
    assert row.oarsi is not None and row.oarsi.responder
    assert row.oarsi.criterion == "moderate improvement in at least 2 of 3"
    assert row.oarsi.improved_domains == ("pain", "function")
    assert row.oarsi_note.startswith("WOMAC from the HOOS items")

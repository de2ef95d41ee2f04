"""Responders from stored scores, including our OMERACT-OARSI mapping for knee OA."""

from __future__ import annotations

from marrowtrack.outcomes.analysis import oarsi_for


def _koos(pain: float, adl: float) -> dict:
    return {"KOOS": {"pain": pain, "adl": adl}}


def test_koos_pain_rising_from_40_to_70_is_a_high_improvement_responder():
    # 100 - KOOS: pain 60 -> 30 = 50 % and 30 points (>= 50 % and >= 20)
    result, note = oarsi_for(_koos(40, 50), _koos(70, 55))
    assert result.responder and result.criterion == "high improvement in pain"
    assert "100 - KOOS Pain" in note


def test_moderate_pain_and_a_much_improved_pgic_make_a_responder():
    # pain 60 -> 48: 20 % and 12 points (moderate only); function unchanged; PGIC 2 counts
    baseline, follow_up = _koos(40, 50), {**_koos(52, 50), "PGIC": {"total": 2}}
    result, note = oarsi_for(baseline, follow_up)
    assert result.responder and result.criterion == "moderate improvement in at least 2 of 3"
    assert "PGIC 2" in note


def test_a_little_improved_pgic_does_not_count_as_the_patient_global():
    baseline, follow_up = _koos(40, 50), {**_koos(52, 50), "PGIC": {"total": 3}}
    result, _ = oarsi_for(baseline, follow_up)
    assert not result.responder


def test_without_a_pgic_the_global_counts_as_not_improved_and_says_so():
    result, note = oarsi_for(_koos(40, 50), _koos(52, 50))
    assert not result.responder and "no PGIC" in note


def test_womac_is_preferred_when_answered_and_missing_scores_are_not_assessable():
    womac = {"WOMAC": {"pain": 60, "function": 60}, **_koos(10, 10)}
    result, note = oarsi_for(womac, {"WOMAC": {"pain": 30, "function": 59}, **_koos(10, 10)})
    assert result.responder and note.startswith("WOMAC")
    assert oarsi_for({}, _koos(1, 1)) == (
        None,
        "not assessable: no WOMAC or KOOS pain/function at both time points",
    )

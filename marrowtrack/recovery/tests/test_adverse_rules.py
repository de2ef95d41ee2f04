"""The rules an adverse-event record satisfies as a whole (recovery.adverse)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from marrowtrack.recovery import adverse as a

OK = a.EventFacts(
    event_type="haematoma",
    event_type_other="",
    site="harvest",
    onset_on=date(2026, 3, 3),
    grade=1,
    serious=False,
    serious_criteria=frozenset(),
    relatedness="definite",
    actions=frozenset({"pressure_dressing"}),
    outcome="recovered",
    resolved_on=date(2026, 3, 6),
)
BMAC = a.Setting(today=date(2026, 3, 10), treated_on=date(2026, 3, 2), harvest=True)


def problems(setting: a.Setting = BMAC, **changes: object) -> dict:
    return a.event_problems(replace(OK, **changes), setting)


def test_a_consistent_record_has_no_problems():
    assert problems() == {}


def test_unknown_vocabulary_is_refused_first():
    found = problems(event_type="sprain", grade=6, relatedness="maybe", actions=frozenset({"x"}))
    assert set(found) == {"event_type", "grade", "relatedness", "actions"}


def test_other_needs_a_description():
    assert "event_type_other" in problems(event_type="other", site="systemic")
    assert problems(event_type="other", event_type_other="rash", site="systemic") == {}


@pytest.mark.parametrize(
    ("event_type", "site"),
    [("septic_arthritis", "harvest"), ("harvest_site_pain", "target"), ("vasovagal", "target")],
)
def test_types_with_a_fixed_site(event_type, site):
    assert "site" in problems(event_type=event_type, site=site)


def test_no_harvest_site_without_a_harvest():
    csi = replace(BMAC, harvest=False)
    assert "site" in problems(csi)
    assert problems(csi, site="target") == {}


def test_serious_needs_a_criterion_and_criteria_need_serious():
    assert "serious_criteria" in problems(serious=True)
    assert "serious" in problems(serious_criteria=frozenset({"hospitalisation"}))


def test_grade_five_death_and_fatal_outcome_go_together():
    death = {"serious": True, "serious_criteria": frozenset({"death"}), "resolved_on": None}
    assert problems(grade=5, outcome="fatal", **death) == {}
    assert "outcome" in problems(grade=5, outcome="not_recovered", **death)
    assert "grade" in problems(grade=4, outcome="fatal", **death)
    assert "serious_criteria" in problems(
        grade=5,
        outcome="fatal",
        serious=True,
        serious_criteria=frozenset({"life_threatening"}),
        resolved_on=None,
    )


def test_grade_four_is_life_threatening():
    assert "serious_criteria" in problems(
        grade=4, serious=True, serious_criteria=frozenset({"hospitalisation"})
    )
    assert problems(grade=4, serious=True, serious_criteria=frozenset({"life_threatening"})) == {}


def test_an_admission_makes_the_event_serious():
    assert "serious_criteria" in problems(actions=frozenset({"admission"}))
    assert (
        problems(
            actions=frozenset({"admission"}),
            serious=True,
            serious_criteria=frozenset({"hospitalisation"}),
            grade=3,
        )
        == {}
    )


def test_none_is_not_combined_with_actions():
    assert "actions" in problems(actions=frozenset({"none", "analgesia"}))


def test_onset_between_treatment_and_today():
    assert "onset_on" in problems(onset_on=date(2026, 3, 11))
    assert "onset_on" in problems(onset_on=date(2026, 3, 1))
    assert problems(onset_on=date(2026, 3, 2), resolved_on=date(2026, 3, 2)) == {}
    aborted = replace(BMAC, treated_on=None)
    assert problems(aborted, onset_on=date(2026, 2, 27)) == {}


def test_resolution_date_only_and_always_for_resolved_outcomes():
    assert "resolved_on" in problems(resolved_on=None)
    assert "resolved_on" in problems(outcome="recovering")
    assert problems(outcome="recovering", resolved_on=None) == {}
    assert "resolved_on" in problems(resolved_on=date(2026, 3, 2), onset_on=date(2026, 3, 3))
    assert "resolved_on" in problems(resolved_on=date(2026, 3, 11))


def test_findings_suggest_type_and_site():
    assert a.suggest(["fever"], harvest=True) == ("infection", "systemic")
    assert a.suggest(["wants_call", "bleeding"], harvest=True) == ("bleeding", "harvest")
    assert a.suggest(["bleeding"], harvest=False) == ("bleeding", "target")
    assert a.suggest(["wants_call"], harvest=True) is None

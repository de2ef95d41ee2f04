"""Screening runs and the physician's signed decision."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from marrowtrack.core.exceptions import DomainError, ValidationFailed
from marrowtrack.esign.services import SignatureRefused
from marrowtrack.intake.models import TreatmentPlan
from marrowtrack.intake.rules import DEFAULT_RULESET, ruleset_to_dict
from marrowtrack.intake.services import screening as svc
from marrowtrack.intake.tests.conftest import MONDAY
from marrowtrack.testing.factories import PASSWORD, ConditionFactory

pytestmark = pytest.mark.django_db


def test_a_clean_patient_screens_eligible_with_the_default_rule_set(make_plan, staff):
    screening = svc.screening_run(plan=make_plan(), by=staff["nurse"])
    assert screening.outcome == "eligible"
    assert screening.ruleset_version == DEFAULT_RULESET.version
    assert json.loads(screening.ruleset_json)["version"] == DEFAULT_RULESET.version
    assert screening.facts["patient"]["platelets"]["per_nl"] == 220


def test_a_pregnancy_is_a_hard_stop_and_every_finding_is_kept(make_plan, staff):
    plan = make_plan()
    ConditionFactory(patient=plan.patient, kind="pregnancy", diagnosed_on=MONDAY - timedelta(30))
    screening = svc.screening_run(plan=plan, by=staff["nurse"])
    assert screening.outcome == "not_eligible"
    assert [f["code"] for f in screening.hard_stops] == ["pregnancy"]


def test_a_clinic_rule_set_is_used_once_published(make_plan, staff, clinic):
    data = ruleset_to_dict(DEFAULT_RULESET)
    data["version"] = "riverside-2"
    for rule in data["rules"]:
        if rule["code"] == "platelets_below_floor":
            rule["params"]["floor_per_nl"] = 250
    svc.clinic_ruleset_publish(clinic=clinic, by=staff["clinic_admin"], text=json.dumps(data))
    screening = svc.screening_run(plan=make_plan(), by=staff["nurse"])
    assert screening.ruleset_version == "riverside-2"
    assert screening.outcome == "not_eligible"


def test_an_invalid_clinic_rule_set_is_refused_naming_the_rule(clinic, staff):
    data = ruleset_to_dict(DEFAULT_RULESET)
    data["rules"][0]["code"] = "nonsense"
    with pytest.raises(ValidationFailed) as error:
        svc.clinic_ruleset_publish(clinic=clinic, by=staff["clinic_admin"], text=json.dumps(data))
    assert "nonsense" in error.value.errors["json"][0]


def _pregnant_plan(make_plan, staff):
    plan = make_plan()
    ConditionFactory(patient=plan.patient, kind="pregnancy", diagnosed_on=MONDAY - timedelta(30))
    svc.screening_run(plan=plan, by=staff["nurse"])
    return plan


def test_overriding_a_hard_stop_without_a_reason_is_refused(make_plan, staff):
    plan = _pregnant_plan(make_plan, staff)
    with pytest.raises(ValidationFailed) as error:
        svc.eligibility_decide(
            plan=plan, by=staff["physician"], verdict="approve", password=PASSWORD
        )
    assert "override_reason" in error.value.errors
    plan.refresh_from_db()
    assert plan.status == TreatmentPlan.Status.DRAFT


def test_an_override_with_a_reason_approves_and_marks_the_plan(make_plan, staff):
    plan = _pregnant_plan(make_plan, staff)
    decision = svc.eligibility_decide(
        plan=plan,
        by=staff["physician"],
        verdict="approve",
        password=PASSWORD,
        override_reason="Recorded in error: pregnancy test negative today.",
    )
    plan.refresh_from_db()
    assert plan.status == TreatmentPlan.Status.APPROVED
    assert plan.hard_stop_overridden is True
    assert decision.overrides_hard_stops is True


def test_a_decision_shows_the_rule_set_version_it_used(make_plan, staff):
    plan = make_plan()
    svc.screening_run(plan=plan, by=staff["nurse"])
    decision = svc.eligibility_decide(
        plan=plan, by=staff["physician"], verdict="approve", password=PASSWORD
    )
    assert decision.ruleset_version == DEFAULT_RULESET.version
    assert decision.signature.meaning == "approved"
    assert DEFAULT_RULESET.version in decision.signature.statement


def test_a_decline_needs_a_reason_and_sets_not_eligible(make_plan, staff):
    plan = _pregnant_plan(make_plan, staff)
    with pytest.raises(ValidationFailed):
        svc.eligibility_decide(
            plan=plan, by=staff["physician"], verdict="decline", password=PASSWORD
        )
    svc.eligibility_decide(
        plan=plan, by=staff["physician"], verdict="decline", password=PASSWORD, rationale="Pregnant"
    )
    plan.refresh_from_db()
    assert plan.status == TreatmentPlan.Status.NOT_ELIGIBLE


def test_a_wrong_password_signs_nothing(make_plan, staff):
    plan = make_plan()
    svc.screening_run(plan=plan, by=staff["nurse"])
    with pytest.raises(SignatureRefused):
        svc.eligibility_decide(plan=plan, by=staff["physician"], verdict="approve", password="x")
    assert not plan.decisions.exists()


def test_a_decision_needs_a_screening_first(make_plan, staff):
    with pytest.raises(DomainError):
        svc.eligibility_decide(
            plan=make_plan(), by=staff["physician"], verdict="approve", password=PASSWORD
        )

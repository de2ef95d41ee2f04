"""Re-interventions of a treated target: the service (checks, audit, roles, clinic), the
page and the API."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from marrowtrack.audit.models import AuditEvent
from marrowtrack.core.exceptions import ValidationFailed
from marrowtrack.outcomes.models import Reintervention
from marrowtrack.outcomes.services.reinterventions import reintervention_record
from marrowtrack.outcomes.tests.factories import make_plan

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("today")]


@pytest.fixture
def today():
    with time_machine.travel("2026-09-01 12:00-05:00", tick=False):
        yield


@pytest.fixture
def plan(patient, staff):
    return make_plan(patient, staff["physician"])


def test_a_surgery_is_recorded_on_the_plans_target_and_audited(plan, staff):
    row = reintervention_record(
        plan=plan,
        kind="surgery",
        performed_on=date(2026, 6, 1),
        source="staff",
        by=staff["physician"],
        detail="arthroscopy",
    )
    assert (row.target, row.laterality) == ("knee", "left")
    event = AuditEvent.objects.filter(entity_id=str(row.public_id)).get()
    assert event.changes["kind"] == {"old": None, "new": "surgery"}


def test_a_day_before_the_treatment_or_in_the_future_is_refused_and_nothing_is_stored(plan, staff):
    for day, message in (
        (date(2025, 12, 1), "The day is before the treatment (2026-01-08)."),
        (date(2026, 9, 2), "The day is in the future."),
    ):
        with pytest.raises(ValidationFailed) as refused:
            reintervention_record(
                plan=plan,
                kind="surgery",
                performed_on=day,
                source="staff",
                by=staff["nurse"],
            )
        assert refused.value.errors["performed_on"] == [message]
    assert not Reintervention.objects.exists()


def test_a_survey_answer_source_names_a_response_of_the_plan(plan, staff):
    with pytest.raises(ValidationFailed) as refused:
        reintervention_record(
            plan=plan,
            kind="repeat_injection",
            performed_on=date(2026, 5, 1),
            source="survey_answer",
            by=staff["nurse"],
        )
    assert "response" in refused.value.errors


def test_an_unknown_kind_is_named(plan, staff):
    with pytest.raises(ValidationFailed) as refused:
        reintervention_record(
            plan=plan,
            kind="massage",
            performed_on=date(2026, 5, 1),
            source="staff",
            by=staff["nurse"],
        )
    assert "kind" in refused.value.errors


@pytest.mark.parametrize("role", ["front_desk", "lab_tech", "researcher"])
def test_other_roles_may_not_record(plan, staff, role):
    with pytest.raises(PermissionDenied):
        reintervention_record(
            plan=plan,
            kind="surgery",
            performed_on=date(2026, 5, 1),
            source="staff",
            by=staff[role],
        )


def test_another_clinics_staff_may_not_record(plan, make_user, other_clinic):
    with pytest.raises(PermissionDenied):
        reintervention_record(
            plan=plan,
            kind="surgery",
            performed_on=date(2026, 5, 1),
            source="staff",
            by=make_user("physician", at=other_clinic),
        )


def test_the_page_records_one_and_lists_it(plan, staff, client_for):
    client = client_for(staff["nurse"])
    url = f"/outcomes/plans/{plan.public_id}/reinterventions/"
    response = client.post(
        url, {"kind": "arthroplasty", "performed_on": "2026-08-01", "source": "imported"}
    )
    assert response.status_code == 302
    assert "Arthroplasty (joint replacement)" in client.get(url).content.decode()


def test_the_page_names_a_bad_field(plan, staff, client_for):
    response = client_for(staff["nurse"]).post(
        f"/outcomes/plans/{plan.public_id}/reinterventions/",
        {"kind": "surgery", "performed_on": "2025-01-01", "source": "staff"},
    )
    assert response.status_code == 422
    assert "The day is before the treatment" in response.content.decode()
    assert not Reintervention.objects.exists()


def test_an_outsider_gets_404_on_the_page(plan, outsider, client_for):
    url = f"/outcomes/plans/{plan.public_id}/reinterventions/"
    assert client_for(outsider).get(url).status_code == 404

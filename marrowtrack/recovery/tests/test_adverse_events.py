"""Adverse events: recorded from a task (prefilled), a physician signs, then it is locked;
later information is an addendum. Every write and every refusal is audited."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.test import Client

from marrowtrack.accounts.services import api_token_issue
from marrowtrack.audit.models import AuditEvent
from marrowtrack.core.exceptions import DomainError, StaleEdit, ValidationFailed
from marrowtrack.esign.services import SignatureRefused, signature_matches
from marrowtrack.recovery.models import NurseTask
from marrowtrack.recovery.prefill import initial_from_task
from marrowtrack.recovery.services import adverse_events as ae
from marrowtrack.recovery.services.checkins import checkin_submit
from marrowtrack.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db
TODAY = time_machine.travel("2026-03-05 11:00-05:00", tick=False)


def data(**changes):
    values = {
        "event_type": "infection",
        "site": "target",
        "onset_on": date(2026, 3, 4),
        "grade": 2,
        "serious": False,
        "serious_criteria": [],
        "relatedness": "probable",
        "actions": ["antibiotics"],
        "actions_detail": "cefalexin 500 mg four times a day, 7 days",
        "outcome": "recovering",
        "resolved_on": None,
        "description": "Fever 38.4 on day 2, knee warm. Seen in clinic.",
    }
    return {**values, **changes}


def _api(user) -> Client:
    return Client(headers={"Authorization": f"Bearer {api_token_issue(user=user)[1]}"})


@pytest.fixture
def task(course):
    with time_machine.travel("2026-03-04 10:00-05:00", tick=False):
        checkin_submit(
            checkin=course.checkins.get(day=2),
            data={
                "treated_pain": "6",
                "harvest_pain": "2",
                "temperature": "38.4",
                "note": "Knee warm",
            },
        )
    return NurseTask.objects.get()


@pytest.fixture
def event(task, staff):
    with TODAY:
        return ae.adverse_event_record(
            plan=task.course.plan, by=staff["nurse"], data=data(), task=task
        )


def test_a_task_prefills_type_site_onset_and_the_patients_words(task):
    initial = initial_from_task(task)
    assert (initial["event_type"], initial["site"], initial["onset_on"]) == (
        "infection",
        "systemic",
        date(2026, 3, 4),
    )
    assert "38.4" in initial["description"] and "Knee warm" in initial["description"]


def test_recording_from_a_task_links_it_once(event, task, staff):
    assert (event.status, event.source_task, event.recorded_by) == ("draft", task, staff["nurse"])
    assert AuditEvent.objects.filter(entity="recovery.adverseevent", action="create").count() == 1
    with TODAY, pytest.raises(DomainError, match="already has"):
        ae.adverse_event_record(plan=task.course.plan, by=staff["nurse"], data=data(), task=task)


def test_an_inconsistent_record_is_refused_per_field_and_not_stored(course, staff):
    with TODAY, pytest.raises(ValidationFailed) as refused:
        ae.adverse_event_record(
            plan=course.plan,
            by=staff["nurse"],
            data=data(grade=4, site="harvest", event_type="septic_arthritis"),
        )
    assert {"site", "serious_criteria"} <= set(refused.value.errors)
    with TODAY, pytest.raises(ValidationFailed) as missing:
        ae.adverse_event_record(
            plan=course.plan, by=staff["nurse"], data=data(description="", grade=None)
        )
    assert set(missing.value.errors) == {"grade", "description"}


def test_only_nurses_and_physicians_record_and_only_physicians_sign(course, staff, event):
    with TODAY, pytest.raises(PermissionDenied):
        ae.adverse_event_record(plan=course.plan, by=staff["front_desk"], data=data())
    with pytest.raises(PermissionDenied):
        ae.adverse_event_sign(event=event, by=staff["nurse"], password=PASSWORD)


def test_another_clinic_cannot_touch_the_event(event, outsider):
    with pytest.raises(PermissionDenied):
        ae.adverse_event_update(event=event, by=outsider, data=data(), version=1)


def test_a_draft_can_be_corrected_with_its_changes_audited(event, staff):
    with TODAY:
        ae.adverse_event_update(event=event, by=staff["physician"], data=data(grade=3), version=1)
    event.refresh_from_db()
    assert event.grade == 3
    entry = AuditEvent.objects.filter(entity="recovery.adverseevent").latest("sequence")
    assert entry.changes == {"grade": {"old": 2, "new": 3}, "version": {"old": 1, "new": 2}}
    assert entry.name == "adverse_event.correct"


def test_the_physician_signs_with_the_password_and_the_event_is_locked(event, staff):
    with pytest.raises(SignatureRefused):
        ae.adverse_event_sign(event=event, by=staff["physician"], password="wrong")
    event.refresh_from_db()
    assert event.status == "draft"
    ae.adverse_event_sign(event=event, by=staff["physician"], password=PASSWORD)
    event.refresh_from_db()
    assert event.status == "signed" and event.signature.signer == staff["physician"]
    assert signature_matches(event.signature, ae.signed_content(event))
    with TODAY, pytest.raises(ae.RecordLocked):
        ae.adverse_event_update(event=event, by=staff["physician"], data=data(grade=1), version=1)
    event.refresh_from_db()
    assert event.grade == 2
    refused = AuditEvent.objects.filter(entity="recovery.adverseevent", action="refused")
    assert refused.count() == 1 and "locked" in refused.get().reason
    with pytest.raises(ae.RecordLocked):
        ae.adverse_event_sign(event=event, by=staff["physician"], password=PASSWORD)


def test_later_information_is_an_addendum_with_a_new_outcome(event, staff):
    with pytest.raises(DomainError, match="not signed"):
        ae.adverse_event_addendum_add(event=event, by=staff["nurse"], text="Better")
    ae.adverse_event_sign(event=event, by=staff["physician"], password=PASSWORD)
    with time_machine.travel("2026-03-12 11:00-05:00", tick=False):
        with pytest.raises(ValidationFailed) as refused:
            ae.adverse_event_addendum_add(
                event=event, by=staff["nurse"], text="Fine", outcome="recovered"
            )
        assert "resolved_on" in refused.value.errors
        ae.adverse_event_addendum_add(
            event=event,
            by=staff["nurse"],
            text="Course of antibiotics finished; knee normal.",
            outcome="recovered",
            resolved_on=date(2026, 3, 11),
        )
    from marrowtrack.recovery.selectors import current_outcome

    event.refresh_from_db()
    assert event.outcome == "recovering"  # the signed record is unchanged
    assert current_outcome(event) == ("Recovered / resolved", date(2026, 3, 11))


def test_a_fatal_outcome_cannot_be_added_as_an_addendum(event, staff):
    ae.adverse_event_sign(event=event, by=staff["physician"], password=PASSWORD)
    with pytest.raises(ValidationFailed, match="grade 5"):
        ae.adverse_event_addendum_add(
            event=event, by=staff["physician"], text="Died", outcome="fatal"
        )


def test_the_second_of_two_corrections_of_a_draft_is_refused_and_stores_nothing(event, staff):
    with TODAY:
        ae.adverse_event_update(event=event, by=staff["nurse"], data=data(grade=3), version=1)
        with pytest.raises(StaleEdit) as refused:
            ae.adverse_event_update(
                event=event, by=staff["physician"], data=data(serious=True), version=1
            )
    assert staff["nurse"].printed_name in refused.value.message
    assert refused.value.current["grade"] == 3 and refused.value.version == 2
    event.refresh_from_db()
    assert (event.grade, event.serious, event.version) == (3, False, 2)


def test_two_corrections_through_the_api_the_second_gets_409(event, staff):
    url = f"/api/v1/recovery/adverse-events/{event.public_id}"
    body = {**data(grade=3), "onset_on": "2026-03-04"}
    with TODAY:
        first = _api(staff["nurse"]).put(
            url, {**body, "version": 1}, content_type="application/json"
        )
        second = _api(staff["physician"]).put(
            url, {**body, "grade": 1, "version": 1}, content_type="application/json"
        )
    assert first.status_code == 200 and first.json()["version"] == 2
    assert second.status_code == 409
    assert second.json()["changed_by"] == staff["nurse"].printed_name
    assert second.json()["current"]["grade"] == 3
    event.refresh_from_db()
    assert event.grade == 3


def test_two_corrections_on_the_page_the_second_gets_409(event, staff, client_for):
    url = f"/recovery/adverse-events/{event.public_id}/edit/"
    form = {
        "event_type": "infection",
        "site": "target",
        "onset_on": "2026-03-04",
        "grade": "2",
        "relatedness": "probable",
        "actions": ["antibiotics"],
        "outcome": "recovering",
        "description": "Fever 38.4 on day 2, knee warm. Seen in clinic.",
        "version": "1",
    }
    with TODAY:
        first = client_for(staff["nurse"]).post(url, {**form, "grade": "3"})
        second = client_for(staff["physician"]).post(url, {**form, "outcome": "recovered"})
    assert first.status_code == 302
    assert second.status_code == 409
    assert "Not saved: someone else changed this record" in second.content.decode()
    event.refresh_from_db()
    assert (event.grade, event.outcome) == (3, "recovering")

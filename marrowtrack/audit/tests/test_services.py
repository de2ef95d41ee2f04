"""event_record: one chain per clinic, named actions, one change shape, anchored on commit."""

from __future__ import annotations

import pytest
from django.db import transaction

from marrowtrack.audit.anchor import anchors_read
from marrowtrack.audit.models import AuditAction, AuditChainHead, AuditEvent
from marrowtrack.audit.services import changes_normalise, diff, event_record
from marrowtrack.testing.factories import ClinicFactory

pytestmark = pytest.mark.django_db


def _record(clinic=None, **kwargs) -> AuditEvent:
    with transaction.atomic():
        return event_record(
            actor=None, action=AuditAction.UPDATE, target="test.thing", clinic=clinic, **kwargs
        )


def test_entries_form_a_chain_where_each_names_the_previous_hash() -> None:
    first, second, third = (_record() for _ in range(3))
    assert [first.sequence, second.sequence, third.sequence] == [1, 2, 3]
    assert second.prev_hash == first.entry_hash
    assert third.prev_hash == second.entry_hash
    assert AuditChainHead.objects.get(key="system").last_hash == third.entry_hash


def test_each_clinic_has_its_own_chain_numbered_from_one() -> None:
    north, south = ClinicFactory(name="North"), ClinicFactory(name="South")
    a1, b1, a2 = _record(north), _record(south), _record(north)
    assert (a1.sequence, b1.sequence, a2.sequence) == (1, 1, 2)
    assert a1.chain.key == str(north.public_id)
    assert b1.chain.clinic == south
    assert a2.prev_hash == a1.entry_hash
    assert AuditChainHead.objects.count() == 2


def test_an_entry_without_a_name_gets_the_documented_default_from_entity_and_category():
    assert _record().name == "thing.update"
    assert _record(name="thing.polished").name == "thing.polished"


def test_the_older_pair_form_becomes_old_and_new_and_other_values_go_to_extra() -> None:
    event = _record(
        changes={"status": ["draft", "approved"], "dose": (1, 2), "via": "api"},
        extra={"note": "x"},
    )
    assert event.changes == {
        "status": {"old": "draft", "new": "approved"},
        "dose": {"old": 1, "new": 2},
    }
    assert event.extra == {"via": "api", "note": "x"}


def test_the_new_shape_is_kept_as_it_is() -> None:
    fields, extra = changes_normalise({"phone": {"old": "", "new": "555"}})
    assert (fields, extra) == ({"phone": {"old": "", "new": "555"}}, {})


def test_diff_gives_the_new_shape_for_changed_fields_only() -> None:
    class Thing:
        a, b = 1, "x"

    assert diff(Thing(), {"a": 2, "b": "x"}) == {"a": {"old": 1, "new": 2}}


def test_a_committed_entry_is_anchored_outside_the_database(
    django_capture_on_commit_callbacks,
) -> None:
    clinic = ClinicFactory()
    with django_capture_on_commit_callbacks(execute=True):
        event = _record(clinic)
    anchor = anchors_read()[str(clinic.public_id)]
    assert (anchor.sequence, anchor.entry_hash) == (1, event.entry_hash)


def test_a_rolled_back_entry_is_not_anchored(django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(ZeroDivisionError), transaction.atomic():
            event_record(actor=None, action=AuditAction.UPDATE, target="test.thing")
            raise ZeroDivisionError
    assert callbacks == []
    assert anchors_read() is None


def test_entries_cannot_be_changed_or_deleted_through_the_orm() -> None:
    event = _record()
    event.reason = "edited"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()


@pytest.mark.django_db(transaction=True)
def test_recording_outside_a_transaction_is_refused() -> None:
    with pytest.raises(RuntimeError, match="inside transaction.atomic"):
        event_record(actor=None, action=AuditAction.READ, target="test.thing")


def test_a_failed_log_in_is_shown_to_the_clinic_of_the_named_account(staff) -> None:
    from django.contrib.auth import authenticate
    from django.test import RequestFactory

    nurse = staff["nurse"]
    request = RequestFactory().post("/accounts/login/")
    assert authenticate(request, username=nurse.username, password="wrong") is None
    event = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).get()
    assert event.clinic == nurse.clinic
    assert event.actor_label == f"unknown ({nurse.username})"

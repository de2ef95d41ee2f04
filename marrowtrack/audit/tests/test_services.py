from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from marrowtrack.audit.models import AuditAction, AuditChainHead, AuditEvent
from marrowtrack.audit.services import audit_verify, event_record

pytestmark = pytest.mark.django_db


def _record(n: int, actor=None) -> None:
    for i in range(n):
        with transaction.atomic():
            event_record(
                actor=actor,
                action=AuditAction.UPDATE,
                target="test.thing",
                changes={"i": [i, i + 1]},
            )


def _raw(sql: str, params: list) -> None:
    # Simulates someone editing the database directly, behind the application's back.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_entries_form_a_chain_where_each_names_the_previous_hash() -> None:
    _record(3)
    first, second, third = AuditEvent.objects.order_by("sequence")
    assert [first.sequence, second.sequence, third.sequence] == [1, 2, 3]
    assert second.prev_hash == first.entry_hash
    assert third.prev_hash == second.entry_hash
    assert AuditChainHead.objects.get().last_hash == third.entry_hash


def test_verify_passes_on_an_untouched_trail() -> None:
    _record(5)
    result = audit_verify()
    assert result.ok
    assert result.checked == 5


def test_verify_names_an_altered_entry() -> None:
    _record(5)
    _raw("UPDATE audit_auditevent SET reason = %s WHERE sequence = %s", ["tampered", 3])
    result = audit_verify()
    assert not result.ok
    assert result.message == "entry #3 was altered (its hash does not match its contents)"


def test_verify_names_a_deleted_entry() -> None:
    _record(5)
    _raw("DELETE FROM audit_auditevent WHERE sequence = %s", [2])
    result = audit_verify()
    assert not result.ok
    assert "entry #2 is missing" in result.message


def test_verify_detects_reordered_entries() -> None:
    _record(5)
    _raw("UPDATE audit_auditevent SET sequence = 1000 WHERE sequence = 2", [])
    _raw("UPDATE audit_auditevent SET sequence = 2 WHERE sequence = 3", [])
    _raw("UPDATE audit_auditevent SET sequence = 3 WHERE sequence = 1000", [])
    result = audit_verify()
    assert not result.ok
    assert result.message.startswith("entry #2 does not follow entry #1")


def test_verify_detects_entries_removed_from_the_end() -> None:
    _record(4)
    _raw("DELETE FROM audit_auditevent WHERE sequence = %s", [4])
    result = audit_verify()
    assert not result.ok
    assert "after #3 were removed" in result.message


def test_entries_cannot_be_changed_or_deleted_through_the_orm() -> None:
    _record(1)
    event = AuditEvent.objects.get()
    event.reason = "edited"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()


@pytest.mark.django_db(transaction=True)
def test_recording_outside_a_transaction_is_refused() -> None:
    with pytest.raises(RuntimeError, match="inside transaction.atomic"):
        event_record(actor=None, action=AuditAction.READ, target="test.thing")


def test_audit_verify_command_exits_0_when_intact_and_1_naming_the_bad_entry(capsys) -> None:
    _record(3)
    call_command("audit", "verify")
    assert "3 entries verified" in capsys.readouterr().out
    _raw("UPDATE audit_auditevent SET actor_label = %s WHERE sequence = %s", ["mallory", 2])
    with pytest.raises(SystemExit) as exit_info:
        call_command("audit", "verify")
    assert exit_info.value.code == 1
    assert "entry #2 was altered" in capsys.readouterr().err


def test_a_failed_log_in_is_shown_to_the_clinic_of_the_named_account(staff) -> None:
    from django.contrib.auth import authenticate
    from django.test import RequestFactory

    nurse = staff["nurse"]
    request = RequestFactory().post("/accounts/login/")
    assert authenticate(request, username=nurse.username, password="wrong") is None
    event = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).get()
    assert event.clinic == nurse.clinic
    assert event.actor_label == f"unknown ({nurse.username})"

"""`audit verify`: every tampering the attack run tried is detected, with counts and the
last verified entry; per clinic and for all."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from marrowtrack.audit.anchor import anchor_append
from marrowtrack.audit.chain import entry_hash, hashed_fields
from marrowtrack.audit.models import AuditAction, AuditChainHead, AuditEvent
from marrowtrack.audit.services import event_record
from marrowtrack.audit.verification import audit_verify
from marrowtrack.testing.factories import ClinicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic():
    return ClinicFactory(name="North")


@pytest.fixture
def record(clinic, django_capture_on_commit_callbacks):
    def write(n: int, at=None) -> None:
        for i in range(n):
            with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
                event_record(
                    actor=None,
                    action=AuditAction.UPDATE,
                    target="test.thing",
                    clinic=at or clinic,
                    changes={"i": [i, i + 1]},
                )

    return write


def _raw(sql: str, params: list) -> None:
    # Someone editing the database directly, behind the application's back.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _only(result):
    (chain,) = result.chains
    return chain


def test_an_untouched_trail_verifies_with_counts_and_the_last_entry(record) -> None:
    record(5)
    result = audit_verify()
    chain = _only(result)
    assert result.ok
    assert (chain.checked, chain.last_verified.sequence, chain.anchored) == (5, 5, 5)
    assert "5 entries verified" in chain.summary


def test_an_altered_entry_is_named(record) -> None:
    record(5)
    _raw("UPDATE audit_auditevent SET reason = %s WHERE sequence = %s", ["tampered", 3])
    chain = _only(audit_verify())
    assert chain.problem == "entry #3 was altered (its hash does not match its contents)"
    assert chain.last_verified.sequence == 2


def test_a_deleted_entry_is_named(record) -> None:
    record(5)
    _raw("DELETE FROM audit_auditevent WHERE sequence = %s", [2])
    assert "entry #2 is missing" in _only(audit_verify()).problem


def test_reordered_entries_are_detected(record) -> None:
    record(5)
    _raw("UPDATE audit_auditevent SET sequence = 1000 WHERE sequence = 2", [])
    _raw("UPDATE audit_auditevent SET sequence = 2 WHERE sequence = 3", [])
    _raw("UPDATE audit_auditevent SET sequence = 3 WHERE sequence = 1000", [])
    assert _only(audit_verify()).problem.startswith("entry #2 does not follow entry #1")


def test_a_truncated_tail_with_the_head_moved_back_is_detected_by_the_anchor(record) -> None:
    record(5)
    tail = AuditEvent.objects.get(sequence=3)
    _raw("DELETE FROM audit_auditevent WHERE sequence > %s", [3])
    _raw(
        "UPDATE audit_auditchainhead SET last_sequence = %s, last_hash = %s",
        [3, tail.entry_hash],
    )
    chain = _only(audit_verify())
    assert not chain.ok
    assert "anchor records entry #5 but the entries end at #3" in chain.problem


def test_a_truncated_tail_with_the_head_left_alone_is_detected(record) -> None:
    record(4)
    _raw("DELETE FROM audit_auditevent WHERE sequence = %s", [4])
    assert "chain head records #4 but the entries end at #3" in _only(audit_verify()).problem


def test_deleting_every_entry_and_the_head_row_is_detected(record, clinic) -> None:
    record(3)
    _raw("DELETE FROM audit_auditevent", [])
    _raw("DELETE FROM audit_auditchainhead", [])
    result = audit_verify()
    assert not result.ok
    assert "all its entries are gone" in _only(result).problem
    # The command prints the report rather than failing on the chain that has no entries.
    assert _only(result).summary.startswith(f"chain {clinic.public_id}: BROKEN")
    assert not audit_verify(clinic=clinic).ok


def test_deleting_every_entry_keeping_a_reset_head_is_detected(record) -> None:
    record(3)
    _raw("DELETE FROM audit_auditevent", [])
    _raw("UPDATE audit_auditchainhead SET last_sequence = 0, last_hash = %s", ["0" * 64])
    assert "anchor records entry #3" in _only(audit_verify()).problem


def test_a_full_rehash_after_an_edit_is_detected(record) -> None:
    record(4)
    _raw("UPDATE audit_auditevent SET actor_label = %s WHERE sequence = 2", ["mallory"])
    prev = "0" * 64
    for event in AuditEvent.objects.order_by("sequence"):
        new_hash = entry_hash(hashed_fields(event, chain_key=event.chain.key), prev)
        _raw(
            "UPDATE audit_auditevent SET prev_hash = %s, entry_hash = %s WHERE id = %s",
            [prev, new_hash, event.pk],
        )
        prev = new_hash
    _raw("UPDATE audit_auditchainhead SET last_hash = %s", [prev])
    chain = _only(audit_verify())
    assert chain.problem == (
        "entry #4 does not match its anchored hash: the chain was rewritten and re-hashed"
    )


def test_a_chain_with_entries_but_no_anchor_is_reported(clinic) -> None:
    with transaction.atomic():  # never committed here: so never anchored
        event_record(actor=None, action=AuditAction.UPDATE, target="test.thing", clinic=clinic)
    assert "no line for this chain" in _only(audit_verify()).problem
    call_command("audit", "anchor")
    assert audit_verify().ok


def test_one_clinic_can_be_verified_alone_and_a_broken_other_clinic_does_not_hide(
    record, clinic
) -> None:
    south = ClinicFactory(name="South")
    record(2)
    record(2, at=south)
    _raw(
        "UPDATE audit_auditevent SET reason = 'x' WHERE chain_id = %s",
        [AuditChainHead.objects.get(clinic=south).pk],
    )
    assert audit_verify(clinic=clinic).ok
    assert not audit_verify(clinic=south).ok
    everything = audit_verify()
    assert sorted(c.ok for c in everything.chains) == [False, True]
    assert not everything.ok


def test_the_command_prints_each_chain_and_exits_1_naming_the_bad_entry(record, capsys):
    record(3)
    call_command("audit", "verify")
    out = capsys.readouterr().out
    assert "clinic North" in out
    assert "3 entries verified" in out
    _raw("UPDATE audit_auditevent SET actor_label = %s WHERE sequence = %s", ["mallory", 2])
    with pytest.raises(SystemExit) as exit_info:
        call_command("audit", "verify", "--clinic", "North")
    assert exit_info.value.code == 1
    assert "entry #2 was altered" in capsys.readouterr().err


def test_the_command_refuses_an_unknown_clinic_with_exit_2() -> None:
    from django.core.management import CommandError

    with pytest.raises(CommandError) as error:
        call_command("audit", "verify", "--clinic", "Nowhere")
    assert error.value.returncode == 2


def test_an_anchor_line_that_a_crash_cut_short_is_ignored(record, anchor_file) -> None:
    record(2)
    with anchor_file.open("a") as handle:
        handle.write("garbage 9")
    assert audit_verify().ok
    anchor_append(chain_key="x", sequence=1, entry_hash="a" * 64)
    assert not audit_verify().ok

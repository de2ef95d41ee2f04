"""A trail written before per-clinic chains migrates into the `legacy` chain and verifies."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from marrowtrack.audit.chain import GENESIS_HASH, canonical_timestamp, entry_hash
from marrowtrack.audit.models import AuditChainHead, AuditEvent
from marrowtrack.audit.verification import audit_verify

BEFORE = [("audit", "0001_initial")]


def _latest() -> list[tuple[str, str]]:
    executor = MigrationExecutor(connection)
    return [key for key in executor.loader.graph.leaf_nodes() if key[0] == "audit"]


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def _old_entries(apps, count: int) -> str:
    """Entries exactly as the version-1 code wrote them (one global chain)."""
    event_model = apps.get_model("audit", "AuditEvent")
    prev = GENESIS_HASH
    for sequence in range(1, count + 1):
        at = datetime(2026, 1, 1, 9, sequence, tzinfo=UTC)
        fields = {
            "sequence": sequence,
            "occurred_at": canonical_timestamp(at),
            "actor_id": None,
            "actor_label": "system",
            "clinic_id": None,
            "action": "update",
            "entity": "intake.treatmentplan",
            "entity_id": "",
            "patient_id": "",
            "changes": {"status": ["draft", "approved"]},
            "reason": "",
        }
        digest = entry_hash(fields, prev)
        event_model.objects.create(
            sequence=sequence,
            occurred_at=at,
            actor_label="system",
            action="update",
            entity="intake.treatmentplan",
            changes={"status": ["draft", "approved"]},
            prev_hash=prev,
            entry_hash=digest,
        )
        prev = digest
    head_model = apps.get_model("audit", "AuditChainHead")
    head_model.objects.create(pk=1, last_sequence=count, last_hash=prev)
    return prev


@pytest.mark.django_db(transaction=True)
def test_an_existing_trail_becomes_the_legacy_chain_and_still_verifies() -> None:
    executor = _migrate(BEFORE)
    tail = _old_entries(executor.loader.project_state(BEFORE).apps, 3)
    _migrate(_latest())
    head = AuditChainHead.objects.get()
    assert (head.key, head.last_hash) == ("legacy", tail)
    assert list(AuditEvent.objects.values_list("hash_version", "name").order_by().distinct()) == [
        (1, "treatmentplan.update")
    ]
    call_command("audit", "anchor")
    result = audit_verify()
    assert result.ok, result.message
    assert result.checked == 3

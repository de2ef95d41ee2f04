"""Concurrent writers on one treatment plan and one patient, on PostgreSQL: every attempt
either committed or was refused as stale, and the record and the audit trail reconcile
with the committed ones: none lost, none doubled (issue 16 item 3, decision 0021).

Each writer reads the record's version without a lock, as a person opening the edit page
does, then saves a value nobody else writes; many read the same version at once, so most
are refused. PostgreSQL only: SQLite would serialise the writers before they read.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.db import connection, connections

from marrowtrack.audit.models import AuditEvent
from marrowtrack.audit.verification import audit_verify
from marrowtrack.core.exceptions import StaleEdit
from marrowtrack.intake.models import TreatmentPlan
from marrowtrack.intake.services import plans
from marrowtrack.patients import services as patient_services
from marrowtrack.patients.models import Patient

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
WRITERS = 6
ATTEMPTS = 4


@pytest.fixture(autouse=True)
def anchor_file(settings, tmp_path):
    """Its own audit anchor, so the trail verifies against this test's entries only."""
    settings.MARROWTRACK_AUDIT_ANCHOR = tmp_path / "audit-anchor.log"


@dataclass
class Tally:
    committed: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, bucket: list[str], value: str) -> None:
        with self.lock:
            bucket.append(value)


def _race(model: type, pk: int, save: Callable[[str, int], None]) -> Tally:
    tally, barrier = Tally(), threading.Barrier(WRITERS)

    def writer(number: int) -> None:
        try:
            for attempt in range(ATTEMPTS):
                value = f"writer {number} attempt {attempt}"
                read = model.objects.values_list("version", flat=True).get(pk=pk)
                barrier.wait(timeout=30)  # everyone has read before anyone saves
                try:
                    save(value, read)
                except StaleEdit:
                    tally.add(tally.refused, value)
                else:
                    tally.add(tally.committed, value)
        except Exception as exc:  # noqa: BLE001 - any other outcome fails the test below
            tally.add(tally.errors, repr(exc))
            barrier.abort()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return tally


def _reconcile(tally: Tally, record: object, field_name: str) -> None:
    assert tally.errors == []
    assert len(tally.committed) + len(tally.refused) == WRITERS * ATTEMPTS
    assert len(tally.committed) == ATTEMPTS  # all read the same version each round
    record.refresh_from_db()
    assert record.version == 1 + len(tally.committed)
    entity = f"{record._meta.app_label}.{record._meta.model_name}"
    edits = sorted(
        AuditEvent.objects.filter(
            entity=entity, entity_id=str(record.public_id), changes__has_key="version"
        ).values_list("changes", flat=True),
        key=lambda changes: changes["version"]["new"],
    )
    assert [c["version"] for c in edits] == [
        {"old": v, "new": v + 1} for v in range(1, record.version)
    ]
    assert sorted(c[field_name]["new"] for c in edits) == sorted(tally.committed)
    assert getattr(record, field_name) == edits[-1][field_name]["new"]
    assert audit_verify().ok


def test_concurrent_edits_of_one_plan_commit_once_per_version_and_lose_nothing(
    make_plan, staff
) -> None:
    assert connection.vendor == "postgresql", "this test must run on PostgreSQL"
    plan = make_plan()

    def save(value: str, read: int) -> None:
        plans.plan_update(
            plan=plan, by=staff["nurse"], data={"severity_notes": value}, version=read
        )

    tally = _race(TreatmentPlan, plan.pk, save)
    _reconcile(tally, plan, "severity_notes")


def test_concurrent_edits_of_one_patient_commit_once_per_version_and_lose_nothing(
    patient, staff
) -> None:
    assert connection.vendor == "postgresql", "this test must run on PostgreSQL"

    def save(value: str, read: int) -> None:
        patient_services.patient_update(
            patient=patient, by=staff["front_desk"], data={"address": value}, version=read
        )

    tally = _race(Patient, patient.pk, save)
    _reconcile(tally, patient, "address")

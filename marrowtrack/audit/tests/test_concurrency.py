"""On PostgreSQL, concurrent appends to one clinic's chain queue on its head row and leave a
chain without gaps; the first append of a new clinic's chain is safe under a race."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction

from marrowtrack.audit.models import AuditAction, AuditEvent
from marrowtrack.audit.services import event_record
from marrowtrack.audit.verification import audit_verify
from marrowtrack.testing.factories import ClinicFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _append(clinic) -> None:
    try:
        with transaction.atomic():
            event_record(actor=None, action=AuditAction.UPDATE, target="test.thing", clinic=clinic)
    finally:
        connection.close()


def test_concurrent_appends_make_one_gapless_chain_per_clinic() -> None:
    assert connection.vendor == "postgresql", "this test must run on PostgreSQL"
    north, south = ClinicFactory(name="North"), ClinicFactory(name="South")
    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(_append, [north, south] * 15))
    for clinic in (north, south):
        sequences = sorted(
            AuditEvent.objects.filter(clinic=clinic).values_list("sequence", flat=True)
        )
        assert sequences == list(range(1, 16))
    result = audit_verify()
    assert result.ok, result.message
    assert result.checked == 30

"""Two phones open the same survey link at the same moment: exactly one device gets it.

Runs in CI's PostgreSQL pass: the row lock on the link (SELECT ... FOR UPDATE) is what
serialises the two first opens; SQLite would serialise them anyway.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from marrowtrack.outcomes.models import SurveyLink
from marrowtrack.outcomes.services.links import (
    LinkOnOtherDevice,
    survey_link_create,
    survey_link_open,
    token_hash,
)
from marrowtrack.outcomes.tests.factories import make_plan


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_devices_opening_a_link_at_once_bind_it_to_exactly_one(patient, staff):
    assert connection.vendor == "postgresql", "this test must run on PostgreSQL"
    plan = make_plan(patient, staff["physician"], status="approved", treated_on=None)
    from marrowtrack.outcomes.services.followups import baseline_open

    token = survey_link_create(followup=baseline_open(plan=plan, by=None), by=None).token
    barrier = threading.Barrier(2)
    results: list[str] = []

    def open_on(device: str) -> None:
        try:
            barrier.wait(timeout=10)
            survey_link_open(token=token, device_secret=device)
            results.append(f"opened on {device}")
        except LinkOnOtherDevice:
            results.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=open_on, args=(d,)) for d in ("phone-a", "phone-b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(r.split(" on ")[0] for r in results) == ["opened", "refused"], results
    winner = next(r for r in results if r.startswith("opened")).removeprefix("opened on ")
    assert SurveyLink.objects.get().device_hash == token_hash(winner)

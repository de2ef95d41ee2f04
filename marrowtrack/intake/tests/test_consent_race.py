"""A witness countersigns while a colleague edits the plan: whichever commits first, no
witnessed consent is left standing for a plan it was not signed for (issue 9 item 2).

PostgreSQL only: the consent row lock (SELECT ... FOR UPDATE) taken by both services is
what orders them; SQLite would serialise the two anyway.
"""

from __future__ import annotations

import threading
from importlib import import_module

import pytest
from django.apps import apps
from django.db import connection, connections

from marrowtrack.core.exceptions import DomainError
from marrowtrack.intake import gates
from marrowtrack.intake.models import Consent, TreatmentPlan
from marrowtrack.intake.services import consent as consent_svc
from marrowtrack.intake.services import plans, screening
from marrowtrack.testing.factories import PASSWORD


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_plan_edit_racing_a_witness_never_leaves_a_consent_for_another_plan(make_plan, staff):
    assert connection.vendor == "postgresql", "this test must run on PostgreSQL"
    # An earlier transactional test may have flushed the data migration's documents.
    import_module("marrowtrack.intake.migrations.0005_consent_documents_v2").publish_v2(apps, None)
    plan = make_plan()
    screening.screening_run(plan=plan, by=staff["nurse"])
    screening.eligibility_decide(
        plan=plan, by=staff["physician"], verdict="approve", password=PASSWORD
    )
    consent = consent_svc.consent_start(plan=plan, by=staff["nurse"])
    consent = consent_svc.consent_patient_sign(
        consent=consent, by=staff["nurse"], typed_name="Rosa Núñez", signature="click"
    )
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def edit() -> None:
        try:
            barrier.wait(timeout=10)
            plans.plan_update(
                plan=plan, by=staff["nurse"], data={"laterality": "right"}, version=plan.version
            )
            outcomes["edit"] = "saved"
        finally:
            connections.close_all()

    def witness() -> None:
        try:
            barrier.wait(timeout=10)
            consent_svc.consent_witness(consent=consent, by=staff["physician"], password=PASSWORD)
            outcomes["witness"] = "signed"
        except DomainError as error:
            outcomes["witness"] = f"refused: {error.message}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=edit), threading.Thread(target=witness)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    plan.refresh_from_db()
    assert outcomes["edit"] == "saved", outcomes
    assert plan.laterality == "right" and plan.status == TreatmentPlan.Status.DRAFT
    assert Consent.objects.get().status == Consent.Status.INVALIDATED, outcomes
    assert gates.current_signed_consent(plan) is None

"""The lab bench's procedure-day pages (procedures.lab_views) and endpoints (lab_api):
the release refuses an expired product and keeps the refusal; outsiders get 404, other
roles 403."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marrowtrack.audit.models import AuditEvent
from marrowtrack.core import clock
from marrowtrack.procedures import services
from marrowtrack.procedures.states import ProcedureState as S
from marrowtrack.procedures.tests.test_api import Api
from marrowtrack.testing import scenario
from marrowtrack.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def expired_run(encounter, walk, staff):
    walk(encounter, S.PROCESSING)
    data = scenario.run_data(encounter.clinic)
    run = services.processing_record(encounter=encounter, by=staff["lab_tech"], data=data)
    run.syringes.update(expires_at=clock.now() - timedelta(minutes=1))
    return run


def _refused_and_unchanged(run) -> bool:
    run.refresh_from_db()
    run.encounter.refresh_from_db()
    kept = AuditEvent.objects.filter(action="refused", entity_id=str(run.public_id)).exists()
    return kept and run.status == "recorded" and run.encounter.current == S.PROCESSING


def test_the_release_page_refuses_an_expired_product_and_keeps_the_refusal(
    client_for, staff, expired_run
) -> None:
    body = {
        "password": PASSWORD,
        "verifier_username": staff["nurse"].username,
        "verifier_password": PASSWORD,
        "scans": scenario.label_scans(expired_run),
    }
    response = client_for(staff["lab_tech"]).post(
        f"/lab/runs/{expired_run.public_id}/release/", {**body}, follow=True
    )
    assert "past its hold limit" in response.content.decode()
    assert _refused_and_unchanged(expired_run)


def test_the_release_endpoint_refuses_an_expired_product_with_409(staff, expired_run) -> None:
    response = Api(staff["lab_tech"]).post(
        f"/lab/processing-runs/{expired_run.public_id}/release",
        {
            "password": PASSWORD,
            "verifier_username": staff["nurse"].username,
            "verifier_password": PASSWORD,
            "scans": scenario.label_scans(expired_run).split(),
        },
    )
    assert response.status_code == 409
    assert "past its hold limit" in response.json()["message"]
    assert _refused_and_unchanged(expired_run)


def test_outsiders_get_404_and_other_roles_403_on_the_bench_pages(
    client_for, make_user, other_clinic, staff, expired_run
) -> None:
    outsider = make_user("lab_tech", at=other_clinic)
    encounter = expired_run.encounter
    pages = [
        ("get", f"/lab/encounters/{encounter.public_id}/run/"),
        ("post", f"/lab/encounters/{encounter.public_id}/receive/"),
        ("post", f"/lab/runs/{expired_run.public_id}/release/"),
    ]
    for method, url in pages:
        assert getattr(client_for(outsider), method)(url).status_code == 404, url
        assert getattr(client_for(staff["front_desk"]), method)(url).status_code == 403, url
    assert client_for(staff["researcher"]).get("/lab/").status_code == 403

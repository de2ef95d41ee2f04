"""/metrics: Prometheus text, labelled by view (never a path), for the scraper only."""

from __future__ import annotations

import pytest

from marrowtrack.accounts.roles import Role

pytestmark = pytest.mark.django_db


def test_requests_are_counted_by_view_method_and_status(client_for, staff, patient) -> None:
    desk = client_for(staff[Role.FRONT_DESK])
    desk.get(f"/patients/{patient.public_id}/")
    body = desk.get("/metrics").content.decode()
    assert (
        'marrowtrack_http_requests_total{method="GET",status="200",view="patients:detail"}' in body
    )
    assert "marrowtrack_http_request_duration_seconds_bucket" in body
    assert str(patient.public_id) not in body


def test_queue_depth_and_heartbeat_age_are_exposed(client) -> None:
    body = client.get("/metrics").content.decode()
    assert "marrowtrack_tasks_ready " in body
    assert "marrowtrack_worker_heartbeat_age_seconds -1.0" in body


def test_metrics_are_hidden_from_other_addresses(client) -> None:
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.5").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="not-an-address").status_code == 404

"""/health: the databases answer and the worker has run a heartbeat recently."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from marrowtrack.ops.tasks import HEARTBEAT_PATH

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def worker_keeps_the_test_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker drops stale connections each loop; in a test that would be the test's
    transaction (PostgreSQL closes it)."""
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)


def _beats():
    return DBTaskResult.objects.filter(task_path=HEARTBEAT_PATH)


def test_without_a_worker_health_fails_and_queues_one_heartbeat(client) -> None:
    first = client.get("/health/")
    client.get("/health/")
    body = first.json()
    assert first.status_code == 503 and body["status"] == "failing"
    assert body["checks"]["database:default"]["ok"] is True
    assert body["checks"]["worker"] == {"ok": False, "detail": "no heartbeat has finished yet"}
    assert _beats().filter(status=TaskResultStatus.READY).count() == 1


def test_once_the_worker_ran_the_heartbeat_health_is_ok(client) -> None:
    client.get("/health/")
    call_command("worker", "--batch", "--queue-name", "default", verbosity=0)
    response = client.get("/health/")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["worker"]["ok"] is True


def test_a_worker_silent_for_too_long_fails_health(client, settings) -> None:
    client.get("/health/")
    call_command("worker", "--batch", "--queue-name", "default", verbosity=0)
    old = timezone.now() - timedelta(seconds=settings.MARROWTRACK_WORKER_MAX_SILENCE + 5)
    _beats().update(finished_at=old)
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"]["ok"] is False
    assert _beats().filter(status=TaskResultStatus.READY).count() == 1  # asked for a new beat


def test_beats_older_than_an_hour_are_pruned(client) -> None:
    client.get("/health/")
    call_command("worker", "--batch", "--queue-name", "default", verbosity=0)
    _beats().update(finished_at=timezone.now() - timedelta(hours=2))
    client.get("/health/")
    assert _beats().filter(status=TaskResultStatus.SUCCESSFUL).count() == 0


def test_health_is_not_cached_and_names_no_versions(client) -> None:
    response = client.get("/health/")
    assert "no-cache" in response["Cache-Control"]
    assert set(response.json()) == {"status", "checks"}

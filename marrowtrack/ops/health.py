"""Health: can this process reach its databases, and is the background worker alive?

The worker has no heartbeat of its own (django-tasks-db 0.13), so the check gives it one: it
queues a no-op ``heartbeat`` task when the last one is older than half the allowed age, and
judges the worker by when a heartbeat last *finished*. Old beats are pruned as new ones are
queued, so the queue table does not grow.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connections
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from marrowtrack.ops.tasks import HEARTBEAT_PATH, heartbeat

logger = logging.getLogger(__name__)
KEEP_BEATS = timedelta(hours=1)


@dataclass(frozen=True)
class QueueState:
    ready: int
    last_beat_age: timedelta | None  # since the newest finished heartbeat; None: never
    pending_beat_age: timedelta | None  # the oldest heartbeat still waiting; None: none


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def database_check(alias: str) -> Check:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        logger.warning("Health: database %s unreachable (%s)", alias, type(exc).__name__)
        return Check(f"database:{alias}", False, "unreachable")
    return Check(f"database:{alias}", True, "ok")


def queue_state(*, now: datetime) -> QueueState:
    beats = DBTaskResult.objects.filter(task_path=HEARTBEAT_PATH)
    last = beats.filter(status=TaskResultStatus.SUCCESSFUL).order_by("-finished_at").first()
    pending = beats.filter(status=TaskResultStatus.READY).order_by("enqueued_at").first()
    return QueueState(
        ready=DBTaskResult.objects.ready().count(),
        last_beat_age=(now - last.finished_at) if last and last.finished_at else None,
        pending_beat_age=(now - pending.enqueued_at) if pending else None,
    )


def worker_check(*, now: datetime) -> Check:
    """OK when a heartbeat finished within MARROWTRACK_WORKER_MAX_SILENCE seconds."""
    allowed = timedelta(seconds=settings.MARROWTRACK_WORKER_MAX_SILENCE)
    state = queue_state(now=now)
    if state.pending_beat_age is None and (
        state.last_beat_age is None or state.last_beat_age > allowed / 2
    ):
        heartbeat_queue(now=now)
    if state.last_beat_age is None:
        return Check("worker", False, "no heartbeat has finished yet")
    seconds = int(state.last_beat_age.total_seconds())
    return Check("worker", state.last_beat_age <= allowed, f"last heartbeat {seconds} s ago")


def heartbeat_queue(*, now: datetime) -> None:
    old = DBTaskResult.objects.filter(task_path=HEARTBEAT_PATH, finished_at__lt=now - KEEP_BEATS)
    old.delete()
    heartbeat.enqueue()


def health_checks(*, now: datetime) -> list[Check]:
    checks = [database_check(alias) for alias in connections]
    if checks[0].ok:
        checks.append(worker_check(now=now))
    return checks

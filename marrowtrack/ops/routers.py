"""Reads for analytics and exports go to the read replica, when there is one.

A streaming replica (docs/deploy.md) takes the long registry queries off the primary. Two
ways send a read there, and only when the ``replica`` alias is configured:

- every read of a model of an app in ``MARROWTRACK_REPLICA_APPS`` (``analytics``, ``interop``);
- every read inside ``replica_reads()`` (a context manager and a decorator), whatever the
  model: the analytics and export code reads patients, plans and outcomes too.

Writes, ``select_for_update`` and ``get_or_create`` (Django routes them as writes), every other
read and every migration go to ``default``. A replica lags the primary a little: what is read
there is for statistics and bulk exports, never for a clinical decision, and never read back
right after a write in the same request.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.models import Model

REPLICA = "replica"
_replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)


@contextmanager
def replica_reads() -> Iterator[None]:
    """Send the reads inside to the replica (a no-op without one)."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def replica_configured() -> bool:
    return REPLICA in connections.settings


class ReplicaRouter:
    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        if replica_configured() and (_replica_reads.get() or _replica_app(model)):
            return REPLICA
        return None

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return "default"

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db != REPLICA


def _replica_app(model: type[Model]) -> bool:
    return model._meta.app_label in settings.MARROWTRACK_REPLICA_APPS

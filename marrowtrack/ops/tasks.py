"""The worker's heartbeat: a no-op task the health check queues and the worker runs."""

from __future__ import annotations

from django_tasks import task

HEARTBEAT_PATH = "marrowtrack.ops.tasks.heartbeat"


@task()
def heartbeat() -> str:
    """Proves the worker takes work off the queue; its finish time is the beat."""
    return "beat"

"""Prometheus metrics (prometheus-client; docs/decisions/0014-operations.md).

Labels are the route's view name, the method and the status: never a path, an id or a query
(no patient data, and a bounded number of series). Under gunicorn each worker is a process:
set ``PROMETHEUS_MULTIPROC_DIR`` (``config/gunicorn.conf.py`` does when
``MARROWTRACK_METRICS_DIR`` is set) and the exposition sums every worker's files.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta

from django.utils import timezone
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

REQUESTS = Counter(
    "marrowtrack_http_requests",
    "Requests answered, by view, method and status.",
    ["view", "method", "status"],
)
LATENCY = Histogram(
    "marrowtrack_http_request_duration_seconds",
    "Time to answer a request, by view and method.",
    ["view", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


def request_observe(*, view: str, method: str, status: int, seconds: float) -> None:
    REQUESTS.labels(view=view, method=method, status=str(status)).inc()
    LATENCY.labels(view=view, method=method).observe(seconds)


class QueueCollector(Collector):
    """The background queue, read from the database at scrape time."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from marrowtrack.ops.health import queue_state

        state = queue_state(now=timezone.now())
        ready = GaugeMetricFamily("marrowtrack_tasks_ready", "Tasks waiting for the worker.")
        ready.add_metric([], state.ready)
        yield ready
        age = GaugeMetricFamily(
            "marrowtrack_worker_heartbeat_age_seconds",
            "Seconds since the worker last ran a heartbeat task (-1: never).",
        )
        age.add_metric([], _seconds(state.last_beat_age))
        yield age


def _seconds(age: timedelta | None) -> float:
    return -1.0 if age is None else age.total_seconds()


def exposition() -> tuple[bytes, str]:
    """The text format of every metric: this process's, or all workers' in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_ProcessRegistry())
    registry.register(QueueCollector())
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _ProcessRegistry(Collector):
    """This process's default registry (request metrics, process and platform facts)."""

    def collect(self) -> Iterator[object]:
        yield from REGISTRY.collect()

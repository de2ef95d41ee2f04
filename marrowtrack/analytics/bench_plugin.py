"""`marrowtrack bench analytics`: the whole registry dashboard on the current database.

Computes the dashboard of every condition of every clinic (one registry read per clinic,
then every condition's figures), and a single full scan of the survey-response table in the
same run (the physical floor), and prints lines `dashboard: 0.412 s`, `full scan: 0.190 s`,
`ratio: 2.17`, then the CPU time of this process for both. Each is the best of `--repeats`
runs; pure caches (quantiles, exact decisions per distinct score pair) stay warm from one
run to the next. The bench command (patients) finds this module by name (core.discovery)."""

from __future__ import annotations

import time
from argparse import ArgumentParser
from collections.abc import Callable
from typing import Any

from marrowtrack.analytics.dashboard import Filters, conditions_present, dashboard_compute
from marrowtrack.analytics.readmodel import asked_instruments, registry_build, scores_shown
from marrowtrack.core.models import Clinic
from marrowtrack.outcomes.selectors import registry_full_scan

NAME = "analytics"


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--repeats", type=int, default=1)


def dashboard_everything() -> int:
    boards = 0
    for clinic in Clinic.objects.order_by("pk"):
        # What the dashboard page reads: the NPRS (every condition) and the OMERACT-OARSI
        # domains, then each condition's figures.
        registry = registry_build(
            clinic=clinic,
            instruments=asked_instruments("NPRS", oarsi=True),
            scores=scores_shown("NPRS", "total", oarsi=True),
        )
        for condition in conditions_present(registry):
            dashboard_compute(registry, Filters(condition=condition))
            boards += 1
    return boards


def _best(run: Callable[[], Any], repeats: int) -> tuple[float, float, Any]:
    """The best wall-clock time of `repeats` runs, the best CPU time of this process, and the
    result. The CPU time leaves out the waiting on a machine others keep busy (on PostgreSQL
    it also leaves out the server's work, so only the wall clock compares databases)."""
    best, best_cpu, result = float("inf"), float("inf"), None
    for _ in range(max(1, repeats)):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = run()
        best = min(best, time.perf_counter() - started)
        best_cpu = min(best_cpu, time.process_time() - started_cpu)
    return best, best_cpu, result


def run(options: dict[str, Any], write: Callable[[str], None]) -> None:
    repeats = options.get("repeats") or 1
    scan, scan_cpu, rows = _best(registry_full_scan, repeats)
    board, board_cpu, boards = _best(dashboard_everything, repeats)
    write(f"{rows} survey responses; {boards} condition dashboards")
    write(f"dashboard: {board:.3f} s")
    write(f"full scan: {scan:.3f} s")
    write(f"ratio: {board / scan:.2f}" if scan else "ratio: n/a")
    write(f"cpu of this process: dashboard {board_cpu:.3f} s, full scan {scan_cpu:.3f} s")

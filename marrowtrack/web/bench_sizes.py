"""`marrowtrack bench lists --sizes SMALL LARGE`: two data sizes compared in one run.

Two benches run one after the other on this machine cannot resolve a 20 % change of p95:
the virtual machine's speed drifts by more than that within a minute (docs/performance.md,
"Lists"). So one parent process starts two workers, each bound to one database, and for
each list asks them in turn for a small batch of requests (A, B, B, A, A, B, ...) until both
have answered `--repeats`. Whatever slows the machine down then lands on both sizes alike.
Each worker times its own requests (wall and its thread's CPU time), so the pipe between
the processes is not part of any figure.

This module holds no Django: what a side is, the order of the batches, the figures and
their comparison, and the pipe to a worker. The worker itself (the requests) is
`bench_plugin.serve_worker`.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

FLAT = 0.20  # the largest p95 growth at 10 times the data that still counts as flat
MIN_REPEATS = 20  # below 20 samples the "95th percentile" is the slowest request
SQLITE_FILE = "marrowtrack.sqlite3"  # the database inside a var directory (settings)
URL_SCHEMES = ("postgres://", "postgresql://", "sqlite://")


class SizesError(ValueError):
    """An argument of `--sizes` that cannot work, said in words the user can act on."""


@dataclass(frozen=True)
class Side:
    """One database to bench: what the user typed and the environment a worker needs."""

    given: str
    env: dict[str, str]
    sqlite_file: Path | None = None  # two workers must not open the same SQLite file


def side_from(given: str) -> Side:
    """A database URL, a var directory (its `marrowtrack.sqlite3`) or a SQLite file."""
    if given.startswith(URL_SCHEMES):
        return _side_from_url(given)
    if "://" in given:
        raise SizesError(f"{given!r}: only postgresql:// and sqlite:// URLs are supported")
    path = Path(given).resolve()
    if path.is_dir():
        database = path / SQLITE_FILE
        if not database.is_file():
            raise SizesError(f"{given!r} is a directory without {SQLITE_FILE}: not a var dir")
        return Side(given, {"MARROWTRACK_VAR_DIR": str(path), "DATABASE_URL": ""}, database)
    if path.is_file():
        env = {"MARROWTRACK_VAR_DIR": str(path.parent), "DATABASE_URL": f"sqlite:///{path}"}
        return Side(given, env, path)
    raise SizesError(f"{given!r}: no such var directory or SQLite file, and not a URL")


def _side_from_url(url: str) -> Side:
    if not url.startswith("sqlite://"):
        return Side(url, {"DATABASE_URL": url})
    # sqlite:///relative/file, sqlite:////absolute/file (as dj-database-url reads them)
    path = Path(url.removeprefix("sqlite:///"))
    if not path.is_file():
        raise SizesError(f"{url!r}: no such SQLite file")
    return side_from(str(path))


def sides_from(small: str, large: str) -> tuple[Side, Side]:
    sides = side_from(small), side_from(large)
    first, second = (side.sqlite_file for side in sides)
    if first is not None and first == second:
        # Each worker holds its SQLite write lock for the whole run (everything is rolled
        # back at the end), so the second would wait for the first and time out.
        raise SizesError(f"both sizes are the same SQLite file ({first}): copy it first")
    return sides


def check_counts(repeats: int, batch: int) -> None:
    if repeats < MIN_REPEATS:
        raise SizesError(f"--repeats {repeats}: at least {MIN_REPEATS} for a p95 to mean much")
    if not 1 <= batch <= repeats:
        raise SizesError(f"--batch {batch}: between 1 and --repeats ({repeats})")


def rounds(repeats: int, batch: int) -> list[tuple[int, int]]:
    """(side, requests) in the order to ask for them: batches of `batch`, the sides
    alternating and the one that goes first swapping each round (A B, B A, A B, ...), so
    neither size always follows the other; both sides get exactly `repeats`."""
    steps: list[tuple[int, int]] = []
    for number in range(math.ceil(repeats / batch)):
        size = min(batch, repeats - number * batch)
        order = (0, 1) if number % 2 == 0 else (1, 0)
        steps.extend((side, size) for side in order)
    return steps


@dataclass
class Series:
    """Every request of one list at one size: wall, CPU and in-SQL milliseconds."""

    queries: int
    status: int
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    sql: list[float] = field(default_factory=list)

    def add(self, batch: dict[str, list[float]]) -> None:
        self.wall.extend(batch["wall"])
        self.cpu.extend(batch["cpu"])
        self.sql.extend(batch["sql"])


@dataclass(frozen=True)
class Figures:
    p50: float
    p95: float
    queries: int
    sql_p50: float  # the part of p50 spent in the database: what a query plan changes
    cpu_p95: float | None = None  # the worker thread's CPU time (not the database server's)


def p95(samples: list[float]) -> float:
    return sorted(samples)[int(0.95 * (len(samples) - 1))]


def figures_of(series: Series) -> Figures:
    return Figures(
        p50=statistics.median(series.wall),
        p95=p95(series.wall),
        queries=series.queries,
        sql_p50=statistics.median(series.sql),
        cpu_p95=p95(series.cpu) if series.cpu else None,
    )


def change(before: float, after: float) -> float:
    return (after - before) / before if before else 0.0


def comparison_header(before_title: str, title: str) -> str:
    return f"\n  p50 / p95 (sql p50) ms: {before_title} | {title} | p95 change | queries"


def comparison_row(label: str, then: Figures, now: Figures) -> str:
    """One list at two sizes; '> 20 %' when p95 grew more than FLAT, and the CPU p95 change
    beside it when both sides have one (a wall change without a CPU change is waiting)."""
    grown = change(then.p95, now.p95)
    flag = "  > 20 %" if grown > FLAT else ""
    cpu = ""
    if then.cpu_p95 is not None and now.cpu_p95 is not None:
        cpu = f" (cpu {change(then.cpu_p95, now.cpu_p95):+5.0%})"
    queries = f"{then.queries} / {now.queries}"
    if then.queries != now.queries:
        queries += "  queries differ"
    return (
        f"  {label:<34} {then.p50:6.1f} / {then.p95:6.1f} ({then.sql_p50:5.1f}) | "
        f"{now.p50:6.1f} / {now.p95:6.1f} ({now.sql_p50:5.1f}) | {grown:+5.0%}{cpu}{flag} | "
        f"{queries}"
    )


def above_flat(pairs: dict[str, tuple[Figures, Figures]]) -> list[str]:
    return [label for label, (then, now) in pairs.items() if change(then.p95, now.p95) > FLAT]


def verdict(pairs: dict[str, tuple[Figures, Figures]]) -> str:
    grown = above_flat(pairs)
    if not grown:
        return f"  every list's p95 within {FLAT:.0%} ({len(pairs)} lists)"
    return f"  {len(grown)} of {len(pairs)} lists above {FLAT:.0%}: {', '.join(grown)}"


class Worker:
    """A `bench lists --worker` subprocess bound to one database, spoken to in JSON lines."""

    def __init__(self, side: Side, only: str) -> None:
        self.side = side
        command = [sys.executable, "-m", "marrowtrack", "bench", "lists", "--worker"]
        command += ["--only", only]
        # Its stderr (a JSON log line per request) goes to a file, shown if it fails.
        self.log = tempfile.TemporaryFile(mode="w+")
        self.process = subprocess.Popen(  # noqa: S603 - our interpreter and command
            command,
            env={**os.environ, **side.env},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )
        self.hello = self._answer()  # title, notes and the lists it can time

    def ask(self, **request: Any) -> dict[str, Any]:
        stdin = self._pipe(self.process.stdin)
        stdin.write(json.dumps(request) + "\n")
        stdin.flush()
        return self._answer()

    def close(self) -> None:
        if self.process.stdin is not None and not self.process.stdin.closed:
            self.process.stdin.close()  # the worker rolls back and exits on end of input
        self.process.wait(timeout=60)
        self.log.close()

    def _answer(self) -> dict[str, Any]:
        line = self._pipe(self.process.stdout).readline()
        if not line:
            code = self.process.wait(timeout=60)
            raise SizesError(
                f"the worker for {self.side.given} exited ({code}):\n{self._last_words()}"
            )
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            raise SizesError(f"{self.side.given}: {answer['error']}")
        return answer

    def _last_words(self, lines: int = 20) -> str:
        self.log.seek(0)
        return "".join(self.log.readlines()[-lines:])

    @staticmethod
    def _pipe(pipe: IO[str] | None) -> IO[str]:
        assert pipe is not None  # both are PIPE (constructor)
        return pipe


def run_sizes(
    sides: tuple[Side, Side], repeats: int, batch: int, only: str, write: Callable[[str], None]
) -> dict[str, tuple[Figures, Figures]]:
    workers = [Worker(sides[0], only), Worker(sides[1], only)]
    try:
        _introduce(workers, repeats, batch, write)
        pairs = _measure_every_list(workers, repeats, batch, write)
    finally:
        for worker in workers:
            worker.close()
    write(comparison_header(workers[0].hello["title"], workers[1].hello["title"]))
    for label, (then, now) in pairs.items():
        write(comparison_row(label, then, now))
    write(verdict(pairs))
    return pairs


def _introduce(
    workers: list[Worker], repeats: int, batch: int, write: Callable[[str], None]
) -> None:
    write(f"{repeats} requests per list and size, in alternating batches of {batch}")
    for worker in workers:
        write(f"{worker.side.given}: {worker.hello['title']}")
        for note in worker.hello["notes"]:
            write(f"  {note}")


def _measure_every_list(
    workers: list[Worker], repeats: int, batch: int, write: Callable[[str], None]
) -> dict[str, tuple[Figures, Figures]]:
    small_lists, large_lists = (worker.hello["lists"] for worker in workers)
    pairs = {}
    for label in small_lists:
        if label not in large_lists:
            write(f"  {label:<34} skipped: not timed at {workers[1].side.given}")
            continue
        small, large = (_warmed(worker, label) for worker in workers)
        for side, count in rounds(repeats, batch):
            (small, large)[side].add(workers[side].ask(run=label, count=count))
        pairs[label] = figures_of(small), figures_of(large)
        write(f"  {label:<34} done")
    return pairs


def _warmed(worker: Worker, label: str) -> Series:
    answer = worker.ask(warm=label)
    if answer["status"] != 200:
        raise SizesError(f"{label} answered HTTP {answer['status']} at {worker.side.given}")
    return Series(queries=answer["queries"], status=answer["status"])

"""Rescoring benchmark: the whole path a user waits for, from stored answers to stored scores.

Three paths run over every submitted response of the current database, one after the other in
the same run, each in a transaction that is rolled back afterwards (the data is left as found):
- exact: `marrowtrack rescore --exact`, the exact scorer row by row;
- vectorised: `marrowtrack rescore`, scores, reasons and derived instruments as array operations;
- floor: the least any path must do: read the same rows (ids, answers, stored scores and rule
  versions, as the vectorised path reads them: the answers as the numbers the database keeps
  beside the JSON, ADR 0032), build the same answer matrix, one plain numpy pass over it
  (np.nanmean) and, when rewriting, write one value per row back with the same statement.
Both paths read their windows, compare and write through the same code (services/rescore.py),
so the difference is reading the answers and scoring them. "rewrite" blanks the stored rule
versions first (untimed), as a new rule version would, so every row is scored and written back.
On PostgreSQL the table is vacuumed (untimed) before each path, so no path scans the row
versions a rolled-back one left.
Each path is timed as a user running `marrowtrack rescore` once meets it: on a new database
connection (SQLite's page cache empty, nothing prepared), with the table's file read once
beforehand (untimed) so that every path finds it in the system's file cache, whichever runs
first. Which path runs first is a choice (`vectorised_first`), so runs can alternate it: the
first path in a process also pays whatever a process does once (imports, first queries).
Wall-clock and CPU seconds of this process are both
reported: on a shared machine the CPU seconds are the figure to compare (on PostgreSQL the
server's CPU is not in them).
Load data first, e.g. `marrowtrack demo --patients 100000` into a throwaway database.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from django.db import connection, transaction

from marrowtrack.outcomes import scoring
from marrowtrack.outcomes.models import SurveyResponse
from marrowtrack.outcomes.services import rescore


@dataclass(frozen=True)
class Seconds:
    wall: float
    cpu: float


@dataclass(frozen=True)
class CaseTiming:
    """The three paths over the same responses (answers = cells of the answer matrices)."""

    rewrite: bool
    responses: dict[str, int]
    answers: int
    exact: Seconds
    vectorised: Seconds
    floor: Seconds

    @property
    def total_responses(self) -> int:
        return sum(self.responses.values())

    def speedup(self, clock: str = "cpu") -> float:
        return getattr(self.exact, clock) / getattr(self.vectorised, clock)

    def over_floor(self, clock: str = "cpu") -> float:
        return getattr(self.vectorised, clock) / getattr(self.floor, clock)


def submitted_counts() -> dict[str, int]:
    rows = SurveyResponse.objects.filter(status=SurveyResponse.Status.SUBMITTED)
    counts = rows.values_list("instrument").order_by("instrument").distinct()
    return {code: rows.filter(instrument=code).count() for (code,) in counts}


def _rolled_back(work: Callable[[], object], *, rewrite: bool) -> Seconds:
    """Seconds `work` takes inside a transaction that is then rolled back."""
    _clear_dead_rows()
    _new_connection()
    with transaction.atomic():
        if rewrite:
            SurveyResponse.objects.filter(status=SurveyResponse.Status.SUBMITTED).update(
                rule_version=""
            )
        wall, cpu = time.perf_counter(), time.process_time()
        work()
        seconds = Seconds(time.perf_counter() - wall, time.process_time() - cpu)
        transaction.set_rollback(True)
    return Seconds(max(seconds.wall, 1e-9), max(seconds.cpu, 1e-9))


def _clear_dead_rows() -> None:
    """PostgreSQL keeps the row versions a rolled-back UPDATE wrote until the table is
    vacuumed: without this, each path after a rewrite would scan the dead rows of the paths
    before it (two per response and rewrite), and be slower for it (untimed, like the setup)."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM {connection.ops.quote_name(SurveyResponse._meta.db_table)}")


def _new_connection() -> None:
    """Close the connection so the path opens its own, as a `marrowtrack rescore` process does
    (no pages cached by an earlier path; inside a test's transaction the connection stays)."""
    if not connection.in_atomic_block:
        connection.close()


def _read_the_table_once() -> None:
    """Every column of every row read once (untimed), so the table's file is in the system's
    cache for every path alike, not only for the paths after the first."""
    meta, quote = SurveyResponse._meta, connection.ops.quote_name
    texts = [quote(meta.get_field(name).column) for name in ("answers", "scores")]
    length = "octet_length" if connection.vendor == "postgresql" else "length"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT SUM({length}(CAST({texts[0]} AS text)) + {length}(CAST({texts[1]} AS text)))"  # noqa: S608 - names from the model
            f" FROM {quote(meta.db_table)}"
        )
        cursor.fetchone()


def floor(*, rewrite: bool, chunk: int = rescore.CHUNK) -> None:
    """Read the rows, build the answer matrix, one np.nanmean pass, write one value per row."""
    for low, high in rescore.id_windows(chunk):
        changes = rescore.Changes()
        window = rescore.read_window(low, high)
        for group in window.groups():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # rows with every item missing
                means = np.nanmean(group.matrix, axis=1)
            if rewrite:
                texts = np.where(np.isnan(means), "null", means.astype(str))  # JSON has no NaN
                changes.pks.extend(window.pks()[group.at].tolist())
                changes.texts.extend(map(f'{{{{"{group.instrument}": {{}}}}}}'.format, texts))
                changes.versions.extend(["floor"] * len(group.at))
        rescore.write_changed(changes)


def time_case(
    *, rewrite: bool, chunk: int = rescore.CHUNK, vectorised_first: bool = False
) -> CaseTiming:
    """The three paths over every submitted response, each rolled back, each on a new
    connection; the exact path first unless `vectorised_first`, the floor last."""
    responses = submitted_counts()
    answers = sum(
        count * len(scoring.instrument(code).definition.items) for code, count in responses.items()
    )

    def path(exact: bool) -> Callable[[], object]:
        return lambda: rescore.rescore_all(by=None, exact=exact, chunk=chunk)

    _read_the_table_once()
    if vectorised_first:
        vectorised = _rolled_back(path(False), rewrite=rewrite)
        exact = _rolled_back(path(True), rewrite=rewrite)
    else:
        exact = _rolled_back(path(True), rewrite=rewrite)
        vectorised = _rolled_back(path(False), rewrite=rewrite)
    least = _rolled_back(lambda: floor(rewrite=rewrite, chunk=chunk), rewrite=rewrite)
    return CaseTiming(rewrite, responses, answers, exact, vectorised, least)

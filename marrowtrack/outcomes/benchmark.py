"""Rescoring benchmark: the whole path a user waits for, from stored answers to stored scores.

For each instrument in the current database, three paths run over the same submitted
responses, each in a transaction that is rolled back afterwards (the data is left as found):
- exact: `marrowtrack rescore --exact`, the exact scorer row by row;
- vectorised: `marrowtrack rescore`, scores, reasons and derived instruments as array operations;
- floor: the least any path must do: read the same rows, build the same answer matrix, one
  plain numpy pass over it (np.nanmean) and, when rewriting, write one value per row back.
Both paths read, compare and write through the same code (services/rescore.py), so the
difference is the scoring. "rewrite" blanks the stored rule versions first (untimed), as a new
rule version would, so every row is scored and written back.
Load data first, e.g. `marrowtrack demo --patients 100000` into a throwaway database.
"""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from django.db import transaction

from marrowtrack.outcomes import bulk, scoring
from marrowtrack.outcomes.models import SurveyResponse
from marrowtrack.outcomes.services import rescore


@dataclass(frozen=True)
class PathTiming:
    """Seconds of each path for one instrument's responses (answers = respondents x items)."""

    instrument: str
    responses: int
    answers: int
    exact_seconds: float
    vectorised_seconds: float
    floor_seconds: float

    @property
    def speedup(self) -> float:
        return self.exact_seconds / self.vectorised_seconds

    @property
    def over_floor(self) -> float:
        return self.vectorised_seconds / self.floor_seconds


def submitted_codes() -> list[str]:
    rows = SurveyResponse.objects.filter(status=SurveyResponse.Status.SUBMITTED)
    return list(rows.values_list("instrument", flat=True).distinct().order_by("instrument"))


def _rolled_back(work: Callable[[], object], *, rewrite: bool, code: str) -> float:
    """Seconds `work` takes inside a transaction that is then rolled back."""
    with transaction.atomic():
        if rewrite:
            SurveyResponse.objects.filter(instrument=code).update(rule_version="")
        started = time.perf_counter()
        work()
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return max(seconds, 1e-9)


def _floor(code: str, *, rewrite: bool, chunk: int) -> None:
    """Read the rows, build the answer matrix, one np.nanmean pass, write one value per row."""
    columns = list(scoring.instrument(code).definition.item_codes)
    last = 0
    while batch := rescore.submitted_rows(code, after=last, chunk=chunk):
        last = batch[-1][0]
        matrix = bulk.answers_to_matrix(code, [json.loads(row[1]) for row in batch], columns)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # rows with every item missing
            means = np.nanmean(matrix, axis=1)
        means = np.where(np.isnan(means), None, means).tolist()  # JSON has no NaN
        if rewrite:
            rescore.write_changed(batch, [(json.dumps({code: m}), "floor") for m in means])


def time_instrument(code: str, *, rewrite: bool, chunk: int = rescore.CHUNK) -> PathTiming:
    """The three paths for one instrument, each rolled back."""
    responses = SurveyResponse.objects.filter(
        status=SurveyResponse.Status.SUBMITTED, instrument=code
    ).count()

    def path(exact: bool) -> Callable[[], object]:
        report = rescore.RescoreReport()
        return lambda: rescore.rescore_instrument(
            code, by=None, exact=exact, chunk=chunk, report=report
        )

    exact = _rolled_back(path(True), rewrite=rewrite, code=code)
    vectorised = _rolled_back(path(False), rewrite=rewrite, code=code)
    floor = _rolled_back(
        lambda: _floor(code, rewrite=rewrite, chunk=chunk), rewrite=rewrite, code=code
    )
    items = len(scoring.instrument(code).definition.items)
    return PathTiming(code, responses, responses * items, exact, vectorised, floor)


def run_benchmark(*, rewrite: bool) -> list[PathTiming]:
    """One row per instrument stored in the database."""
    return [time_instrument(code, rewrite=rewrite) for code in submitted_codes()]


def total(rows: list[PathTiming]) -> PathTiming:
    return PathTiming(
        "all",
        sum(r.responses for r in rows),
        sum(r.answers for r in rows),
        sum(r.exact_seconds for r in rows),
        sum(r.vectorised_seconds for r in rows),
        sum(r.floor_seconds for r in rows),
    )

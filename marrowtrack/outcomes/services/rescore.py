"""Rescoring the whole registry from the stored raw answers, vectorised end to end.

Each instrument's submitted responses are read in chunks, turned into one answer matrix, scored
with the vectorised rules (bulk.py: scores, missing-data reasons and derived instruments, equal
to the exact scorer on every row, property-tested in tests/test_bulk.py), compared with the
stored scores, and only the rows whose scores or rule versions change are written, in one
statement per chunk. A stored answer that the current rules refuse (e.g. an EQ VAS with
decimals recorded before it became an integer) keeps its old scores and is reported.
`exact=True` runs the same path with the exact scorer row by row (the benchmark's baseline).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

from marrowtrack.accounts.models import User
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.services import event_record
from marrowtrack.core import clock
from marrowtrack.outcomes import bulk, scoring
from marrowtrack.outcomes.models import SurveyResponse

CHUNK = 20_000
Row = tuple[int, Any, dict, dict, str]  # pk, public_id, answers, scores, rule_version
Scored = tuple[scoring.StoredScores, str]


@dataclass
class RescoreReport:
    """Responses read and changed per instrument, and the ones the current rules refuse."""

    read: dict[str, int] = field(default_factory=dict)
    changed: dict[str, int] = field(default_factory=dict)
    invalid: list[str] = field(default_factory=list)

    @property
    def total_changed(self) -> int:
        return sum(self.changed.values())


def rescore_all(*, by: User | None, exact: bool = False, chunk: int = CHUNK) -> RescoreReport:
    """Recompute the scores of every submitted response; write and audit the changed ones."""
    report = RescoreReport()
    submitted = SurveyResponse.objects.filter(status=SurveyResponse.Status.SUBMITTED)
    codes = submitted.values_list("instrument", flat=True).distinct().order_by("instrument")
    for code in list(codes):
        rescore_instrument(code, by=by, exact=exact, chunk=chunk, report=report)
    return report


def submitted_rows(code: str, *, after: int, chunk: int) -> list[Row]:
    """One chunk of an instrument's submitted responses, in primary-key order."""
    rows = SurveyResponse.objects.filter(status=SurveyResponse.Status.SUBMITTED, instrument=code)
    fields = ("pk", "public_id", "answers", "scores", "rule_version")
    return list(rows.filter(pk__gt=after).order_by("pk").values_list(*fields)[:chunk])


def rescore_instrument(
    code: str, *, by: User | None, exact: bool, chunk: int, report: RescoreReport
) -> None:
    """Rescore one instrument's submitted responses, chunk by chunk, in one transaction."""
    last, read, changed = 0, 0, 0
    with transaction.atomic():
        while batch := submitted_rows(code, after=last, chunk=chunk):
            last, read = batch[-1][0], read + len(batch)
            scored = (
                _score_exact(code, batch, report) if exact else _score_bulk(code, batch, report)
            )
            changed += write_changed(batch, scored)
        if changed:
            event_record(
                actor=by,
                action=AuditAction.UPDATE,
                target="outcomes.surveyresponse",
                changes={"rescored": [None, changed], "instrument": [None, code]},
                reason="Bulk rescoring",
                actor_label=None if by else "rescore command",
            )
    report.read[code], report.changed[code] = read, changed


def _score_bulk(code: str, batch: Sequence[Row], report: RescoreReport) -> list[Scored | None]:
    """Vectorised scores of a chunk; None for the rows the current rules refuse."""
    answer_sets = [row[2] for row in batch]
    matrix, columns, bad = bulk.checked_matrix(code, answer_sets)
    for index, (item, message) in sorted(bad.items()):
        report.invalid.append(f"{code} {batch[index][1]}: {item}: {message}")
    keep = [index for index in range(len(batch)) if index not in bad]
    results = bulk.score_json_matrix(code, matrix[keep], columns)
    scored: list[Scored | None] = [None] * len(batch)
    for index, result in zip(keep, results, strict=True):
        scored[index] = result
    return scored


def _score_exact(code: str, batch: Sequence[Row], report: RescoreReport) -> list[Scored | None]:
    """The same chunk through the exact scorer, one row at a time."""
    scored: list[Scored | None] = []
    for _, public_id, answers, _, _ in batch:
        try:
            scored.append(scoring.score_json(code, answers))
        except scoring.AnswerError as exc:
            report.invalid.append(f"{code} {public_id}: {exc.item_code}: {exc.message}")
            scored.append(None)
    return scored


def write_changed(batch: Sequence[Row], scored: Sequence[Scored | None]) -> int:
    """Write the rows whose scores or rule versions differ, in one executemany statement.

    Plain UPDATE by primary key: Django's bulk_update builds one CASE per row and field, which
    costs more than the scoring at registry size. Values go through the fields' own
    preparation, so the JSON is stored as every other write stores it, on either database.
    """
    changed = [
        (pk, result)
        for (pk, _, _, scores, version), result in zip(batch, scored, strict=True)
        if result is not None and (result[0] != scores or result[1] != version)
    ]
    if not changed:
        return 0
    meta = SurveyResponse._meta
    fields = [meta.get_field(name) for name in ("scores", "rule_version", "updated_at")]
    quote = connection.ops.quote_name
    columns = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    sql = f"UPDATE {quote(meta.db_table)} SET {columns} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608 - names from the model
    now = fields[2].get_db_prep_save(clock.now(), connection)
    params = [
        (
            fields[0].get_db_prep_save(scores, connection),
            fields[1].get_db_prep_save(version, connection),
            now,
            pk,
        )
        for pk, (scores, version) in changed
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
    return len(changed)

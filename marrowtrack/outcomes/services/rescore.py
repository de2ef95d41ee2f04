"""Rescoring the whole registry from the stored raw answers, vectorised end to end.

Each instrument's submitted responses are read in chunks (answers and scores as their JSON
text: Django's per-row JSON converters cost more than the scoring), turned into one answer
matrix, scored with the vectorised rules (bulk.py: scores, missing-data reasons and derived
instruments, written straight to the JSON text json.dumps would give, equal to the exact
scorer on every row, property-tested in tests/test_bulk.py), compared with the stored text
(parsed only where the text differs, e.g. PostgreSQL's jsonb key order), and only the rows
whose scores or rule versions change are written, in one statement per chunk. A stored answer
that the current rules refuse (e.g. an EQ VAS with decimals recorded before it became an
integer) keeps its old scores and is reported.
`exact=True` runs the same path with the exact scorer row by row (the benchmark's baseline).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import TextField
from django.db.models.functions import Cast

from marrowtrack.accounts.models import User
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.services import event_record
from marrowtrack.core import clock
from marrowtrack.outcomes import bulk, scoring
from marrowtrack.outcomes.models import SurveyResponse

CHUNK = 20_000
Row = tuple[int, str, str, str]  # pk, answers JSON, scores JSON, rule_version
Scored = tuple[str, str]  # scores JSON text, rule versions


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
    rows = SurveyResponse.objects.filter(
        status=SurveyResponse.Status.SUBMITTED, instrument=code, pk__gt=after
    ).annotate(answers_text=Cast("answers", TextField()), scores_text=Cast("scores", TextField()))
    fields = ("pk", "answers_text", "scores_text", "rule_version")
    return list(rows.order_by("pk").values_list(*fields)[:chunk])


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
    answer_sets = [json.loads(row[1]) for row in batch]
    matrix, columns, bad = bulk.checked_matrix(code, answer_sets)
    for index, (item, message) in sorted(bad.items()):
        report.invalid.append(f"{code} {_public_id(batch[index][0])}: {item}: {message}")
    keep = [index for index in range(len(batch)) if index not in bad]
    texts, version = bulk.score_texts_matrix(code, matrix[keep], columns)
    scored: list[Scored | None] = [None] * len(batch)
    for index, text in zip(keep, texts, strict=True):
        scored[index] = (text, version)
    return scored


def _score_exact(code: str, batch: Sequence[Row], report: RescoreReport) -> list[Scored | None]:
    """The same chunk through the exact scorer, one row at a time."""
    scored: list[Scored | None] = []
    for pk, answers, _, _ in batch:
        try:
            scores, version = scoring.score_json(code, json.loads(answers))
            scored.append((json.dumps(scores), version))
        except scoring.AnswerError as exc:
            report.invalid.append(f"{code} {_public_id(pk)}: {exc.item_code}: {exc.message}")
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
        for (pk, _, stored, version), result in zip(batch, scored, strict=True)
        if result is not None and _differs(result, stored, version)
    ]
    if not changed:
        return 0
    meta = SurveyResponse._meta
    quote = connection.ops.quote_name
    names = [meta.get_field(name).column for name in ("scores", "rule_version", "updated_at")]
    # The scores go as JSON text; PostgreSQL stores jsonb, so it casts the text.
    json_value = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    columns = f"{quote(names[0])} = {json_value}, {quote(names[1])} = %s, {quote(names[2])} = %s"
    sql = f"UPDATE {quote(meta.db_table)} SET {columns} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608 - names from the model
    now = meta.get_field("updated_at").get_db_prep_save(clock.now(), connection)
    params = [(text, version, now, pk) for pk, (text, version) in changed]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
    return len(changed)


def _public_id(pk: int) -> str:
    """A refused row's public id for the report (rare, so looked up one at a time)."""
    return str(SurveyResponse.objects.values_list("public_id", flat=True).get(pk=pk))


def _differs(result: Scored, stored: str, version: str) -> bool:
    """New scores or rule versions differ from the stored ones (text first, then as JSON)."""
    text, new_version = result
    if new_version != version:
        return True
    return text != stored and json.loads(text) != json.loads(stored)

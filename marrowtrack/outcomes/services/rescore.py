"""Rescoring the whole registry from the stored raw answers, vectorised end to end (ADR 0032).

The registry is read once, in windows of primary keys, in one transaction. Per window the
database hands over one group per instrument: the rows' ids, their answers as numbers in item
order (`answer_values`, a column the database computes from the JSON, answer_values.py), their
stored scores and rule versions, each as one text (no Python object per row, no JSON parse per
row). The answers become one matrix; identical answer rows are scored once; scores, reasons
and derived instruments come from the vectorised rules (bulk.py, equal to the exact scorer on
every row, property-tested in tests/test_bulk.py) as the JSON text json.dumps would give (in
jsonb's key order on PostgreSQL, so equal scores give equal text); the texts are compared with
the stored ones and only the rows whose scores or rule versions change are written, in one
statement per window. Rows whose answers are not plain numbers of known items (no
`answer_values`), or that the current rules refuse, go through the careful path, which parses
their JSON and names the item; a refused row keeps its old scores and is reported.
`exact=True` runs the same windows with the exact scorer row by row (the benchmark's baseline).
Every instrument with changed rows gets one audit entry, in the same transaction.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from django.db import connection, transaction
from django.db.models import Max, Min, TextField
from django.db.models.functions import Cast

from marrowtrack.accounts.models import User
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.services import event_record
from marrowtrack.core import clock
from marrowtrack.outcomes import bulk, scoring
from marrowtrack.outcomes.answer_values import layout_items, stored_width
from marrowtrack.outcomes.models import SurveyResponse

CHUNK = 50_000  # primary keys per window
SEPARATOR = "\x1e"  # between one group's stored texts: JSON text never holds it unescaped
NOT_NUMBERS = ('"', "t", "f", "{")  # strings, true/false, objects: in an array of numbers?
Row = tuple[int, str, str, str, str]  # pk, instrument, answers JSON, scores JSON, rule_version
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


@dataclass
class RescoreReport:
    """Responses read and changed per instrument, and the ones the current rules refuse."""

    read: dict[str, int] = field(default_factory=dict)
    changed: dict[str, int] = field(default_factory=dict)
    invalid: list[str] = field(default_factory=list)

    @property
    def total_changed(self) -> int:
        return sum(self.changed.values())

    def count(self, code: str, read: int, changed: int) -> None:
        self.read[code] = self.read.get(code, 0) + read
        self.changed[code] = self.changed.get(code, 0) + changed


@dataclass(frozen=True)
class Group:
    """One instrument's submitted rows of one window, each column as one text."""

    instrument: str
    rows: int
    ids: str  # "1,5,9"
    values: str  # "[2,3,null],[1,1,4],..." (answer_values)
    scores: str  # stored scores JSON texts joined by SEPARATOR
    versions: str  # stored rule versions joined by SEPARATOR


@dataclass
class Changes:
    """Rows to write: primary keys with their new scores (JSON text) and rule versions."""

    pks: list[int] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    versions: list[str] = field(default_factory=list)


def rescore_all(*, by: User | None, exact: bool = False, chunk: int = CHUNK) -> RescoreReport:
    """Recompute the scores of every submitted response; write and audit the changed ones."""
    report = RescoreReport()
    with transaction.atomic():
        for low, high in id_windows(chunk):
            rows = _exact_window(low, high, report) if exact else _bulk_window(low, high, report)
            write_changed(rows)
        _audit(by, report)
    report.read = dict(sorted(report.read.items()))
    report.changed = {code: report.changed[code] for code in report.read}
    return report


def id_windows(chunk: int) -> Iterator[tuple[int, int]]:
    """(low, high] primary-key windows covering every response."""
    bounds = SurveyResponse.objects.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        return
    for low in range(bounds["low"] - 1, bounds["high"], chunk):
        yield low, low + chunk


def _audit(by: User | None, report: RescoreReport) -> None:
    for code, changed in sorted(report.changed.items()):
        if changed:
            event_record(
                actor=by,
                action=AuditAction.UPDATE,
                target="outcomes.surveyresponse",
                changes={"rescored": [None, changed], "instrument": [None, code]},
                reason="Bulk rescoring",
                actor_label=None if by else "rescore command",
            )


# Reading -----------------------------------------------------------------------------------


def window_groups(low: int, high: int) -> list[Group]:
    """The window's submitted rows with answer_values, one Group per instrument."""
    meta = SurveyResponse._meta
    quote = connection.ops.quote_name
    column = {name: quote(meta.get_field(name).column) for name in _GROUP_FIELDS}
    if connection.vendor == "postgresql":
        joined = [
            f"string_agg({column['id']}::text, ',')",
            f"string_agg({column['answer_values']}, ',')",
            f"string_agg({column['scores']}::text, chr(30))",
            f"string_agg({column['rule_version']}, chr(30))",
        ]
    else:
        joined = [
            f"group_concat({column['id']})",
            f"group_concat({column['answer_values']})",
            f"group_concat({column['scores']}, char(30))",
            f"group_concat({column['rule_version']}, char(30))",
        ]
    # Every aggregate of a group reads the group's rows in the same order, so the n-th id, the
    # n-th answers, the n-th scores and the n-th rule version belong to the same row.
    sql = (
        f"SELECT {column['instrument']}, COUNT(*), {', '.join(joined)} "  # noqa: S608 - names from the model
        f"FROM {quote(meta.db_table)} WHERE {column['status']} = %s AND {column['id']} > %s "
        f"AND {column['id']} <= %s AND {column['answer_values']} IS NOT NULL "
        f"GROUP BY {column['instrument']} ORDER BY {column['instrument']}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [SurveyResponse.Status.SUBMITTED, low, high])
        return [Group(*row) for row in cursor.fetchall()]


_GROUP_FIELDS = ("id", "instrument", "answer_values", "scores", "rule_version", "status")


def answer_matrix(group: Group) -> tuple[Floats, Bools]:
    """The group's answers as a float matrix (NaN = missing), in the instrument's item order,
    and the rows that hold something other than numbers (their cells are NaN)."""
    items = layout_items(group.instrument)
    width, rows = stored_width(items), group.rows
    matrix = None
    if group.values.count("[") == rows and not any(c in group.values for c in NOT_NUMBERS):
        matrix = _parse_numbers(group.values, rows, width)
    odd = np.zeros(rows, dtype=bool)
    if matrix is None:
        matrix, odd = _parse_checking(group.values, rows, width)
    return matrix[:, : len(items)], odd


def _parse_numbers(values: str, rows: int, width: int) -> Floats | None:
    """Arrays of numbers and nulls as a matrix; None if their sizes do not add up."""
    if width <= 8:  # short rows: numpy's own text reader beats building lists
        flat = values.replace("[", "").replace("]", "").replace("null", "nan")
        numbers = np.fromstring(flat, dtype=np.float64, sep=",")
    else:
        numbers = np.array(json.loads(f"[{values}]"), dtype=np.float64)
    return numbers.reshape(rows, width) if numbers.size == rows * width else None


def _parse_checking(values: str, rows: int, width: int) -> tuple[Floats, Bools]:
    """The slow reading, one array at a time, for a group holding something else."""
    arrays = json.loads(f"[{values}]")
    if len(arrays) != rows:
        raise ValueError("answer_values do not match the rows read")
    odd = np.array(
        [len(a) != width or not set(map(type, a)) <= bulk.NUMBER_TYPES for a in arrays], bool
    )
    blank = [None] * width
    matrix = np.array([blank if bad else a for a, bad in zip(arrays, odd, strict=True)], float)
    return matrix.reshape(rows, width), odd


# Scoring -----------------------------------------------------------------------------------


def _bulk_window(low: int, high: int, report: RescoreReport) -> Changes:
    """Vectorised scores of one window; the rows it cannot read as numbers go the careful way."""
    changes, careful = Changes(), []
    for group in window_groups(low, high):
        careful.extend(_score_group(group, changes, report))
    careful_rows = _rows(_window_rows(low, high).filter(answer_values__isnull=True))
    if careful:
        careful_rows += _rows(SurveyResponse.objects.filter(pk__in=careful))
    _score_careful(careful_rows, changes, report)
    return changes


def _score_group(group: Group, changes: Changes, report: RescoreReport) -> list[int]:
    """Score one group into `changes`; returns the primary keys left to the careful path."""
    code, rows = group.instrument, group.rows
    pks = np.fromstring(group.ids, dtype=np.int64, sep=",")
    stored, versions = group.scores.split(SEPARATOR), group.versions.split(SEPARATOR)
    if not len(pks) == len(stored) == len(versions) == rows:  # a stored text held a SEPARATOR
        return pks.tolist()
    matrix, odd = answer_matrix(group)
    items = list(layout_items(code))
    refused = odd.copy()
    refused[list(bulk.invalid_cells(code, matrix, items))] = True
    keep = np.flatnonzero(~refused)
    unique, inverse = _unique_rows(matrix[keep])
    texts, version = bulk.score_texts_matrix(
        code, unique, items, jsonb_order=connection.vendor == "postgresql"
    )
    new = list(map(texts.__getitem__, inverse.tolist()))
    if len(keep) < rows:
        stored = [stored[i] for i in keep]
        versions = [versions[i] for i in keep]
    differs = np.fromiter(map(operator.ne, new, stored), bool, len(new))
    differs |= np.fromiter(map(version.__ne__, versions), bool, len(new))
    changed = [
        i
        for i in np.flatnonzero(differs).tolist()
        if _differs(new[i], version, stored[i], versions[i])
    ]
    changes.pks.extend(pks[keep[changed]].tolist())
    changes.texts.extend(new[i] for i in changed)
    changes.versions.extend([version] * len(changed))
    report.count(code, len(keep), len(changed))
    return pks[refused].tolist()


def _unique_rows(matrix: Floats) -> tuple[Floats, npt.NDArray[np.intp]]:
    """The distinct rows (compared as bytes) and, per row, the index of its distinct row:
    one-item instruments have a few dozen distinct answers among tens of thousands of rows."""
    matrix = np.ascontiguousarray(matrix)
    as_bytes = matrix.view(np.dtype((np.void, matrix.dtype.itemsize * matrix.shape[1])))
    _, first, inverse = np.unique(as_bytes.ravel(), return_index=True, return_inverse=True)
    return matrix[first], inverse.ravel()


def _score_careful(rows: Sequence[Row], changes: Changes, report: RescoreReport) -> None:
    """Rows read one by one from their JSON answers (checked_matrix names the item)."""
    by_code: dict[str, list[Row]] = {}
    for row in rows:
        by_code.setdefault(row[1], []).append(row)
    for code, batch in sorted(by_code.items()):
        answer_sets = [json.loads(row[2]) for row in batch]
        matrix, columns, bad = bulk.checked_matrix(code, answer_sets)
        for index, (item, message) in sorted(bad.items()):
            report.invalid.append(f"{code} {_public_id(batch[index][0])}: {item}: {message}")
        keep = [index for index in range(len(batch)) if index not in bad]
        texts, version = bulk.score_texts_matrix(code, matrix[keep], columns)
        changed = 0
        for index, text in zip(keep, texts, strict=True):
            pk, _, _, stored, stored_version = batch[index]
            if _differs(text, version, stored, stored_version):
                changes.pks.append(pk)
                changes.texts.append(text)
                changes.versions.append(version)
                changed += 1
        report.count(code, len(batch), changed)


def _exact_window(low: int, high: int, report: RescoreReport) -> Changes:
    """The same window through the exact scorer, one row at a time."""
    changes = Changes()
    for pk, code, answers, stored, stored_version in _rows(_window_rows(low, high)):
        try:
            scores, version = scoring.score_json(code, json.loads(answers))
        except scoring.AnswerError as exc:
            report.invalid.append(f"{code} {_public_id(pk)}: {exc.item_code}: {exc.message}")
            report.count(code, 1, 0)
            continue
        text = json.dumps(scores)
        changed = _differs(text, version, stored, stored_version)
        if changed:
            changes.pks.append(pk)
            changes.texts.append(text)
            changes.versions.append(version)
        report.count(code, 1, int(changed))
    return changes


def _window_rows(low: int, high: int):  # type: ignore[no-untyped-def] - a QuerySet
    return SurveyResponse.objects.filter(
        status=SurveyResponse.Status.SUBMITTED, pk__gt=low, pk__lte=high
    )


def _rows(queryset) -> list[Row]:  # type: ignore[no-untyped-def] - a QuerySet
    """pk, instrument, answers and scores as their JSON text, rule version; in pk order."""
    rows = queryset.annotate(
        answers_text=Cast("answers", TextField()), scores_text=Cast("scores", TextField())
    )
    fields = ("pk", "instrument", "answers_text", "scores_text", "rule_version")
    return list(rows.order_by("pk").values_list(*fields))


def _public_id(pk: int) -> str:
    """A refused row's public id for the report (rare, so looked up one at a time)."""
    return str(SurveyResponse.objects.values_list("public_id", flat=True).get(pk=pk))


def _differs(text: str, version: str, stored: str, stored_version: str) -> bool:
    """New scores or rule versions differ from the stored ones (text first, then as JSON)."""
    if version != stored_version:
        return True
    return text != stored and json.loads(text) != json.loads(stored)


# Writing -----------------------------------------------------------------------------------


def write_changed(changes: Changes) -> int:
    """Write new scores, rule versions and the update time of the given rows, in one statement.

    Plain UPDATE by primary key (Django's bulk_update builds one CASE per row and field, which
    costs more than the scoring at registry size); on PostgreSQL one UPDATE ... FROM unnest()
    of three arrays, on SQLite one prepared UPDATE run by executemany. The scores go as JSON
    text, stored as every other write stores it, on either database.
    """
    if not changes.pks:
        return 0
    meta = SurveyResponse._meta
    quote = connection.ops.quote_name
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    scores, version, updated = (
        quote(meta.get_field(name).column) for name in ("scores", "rule_version", "updated_at")
    )
    now = meta.get_field("updated_at").get_db_prep_save(clock.now(), connection)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {table} SET {scores} = v.scores::jsonb, {version} = v.version, "  # noqa: S608 - names from the model
                f"{updated} = %s FROM unnest(%s::bigint[], %s::text[], %s::text[]) "
                f"AS v(pk, scores, version) WHERE {table}.{pk} = v.pk",
                [now, changes.pks, changes.texts, changes.versions],
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET {scores} = %s, {version} = %s, {updated} = %s "  # noqa: S608 - names from the model
                f"WHERE {pk} = %s",
                [
                    (text, rule_version, now, row)
                    for row, text, rule_version in zip(
                        changes.pks, changes.texts, changes.versions, strict=True
                    )
                ],
            )
    return len(changes.pks)

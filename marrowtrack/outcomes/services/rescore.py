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
from marrowtrack.outcomes.answer_values import layout_items, parse_numbers, stored_width
from marrowtrack.outcomes.instruments import INSTRUMENTS
from marrowtrack.outcomes.models import SurveyResponse

CHUNK = 50_000  # primary keys per window
SEPARATOR = "\x1e"  # between one group's stored texts: JSON text never holds it unescaped
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


@dataclass(frozen=True)
class Group:
    """One instrument's submitted rows of one window: the answers as a matrix in item order
    (NaN = missing), the rows holding something else than numbers (`odd`), the stored texts."""

    instrument: str
    pks: npt.NDArray[np.int64]
    matrix: Floats
    odd: Bools
    scores: list[str]
    versions: list[str]


def read_window(low: int, high: int) -> tuple[list[Group], list[int]]:
    """The window's submitted rows as groups per instrument, and the primary keys of the rows
    without answer_values (for the careful path).

    One statement and one scan: each column of the rows comes back as one text (ids, answers,
    stored scores, rule versions), so no Python object is made per row until the texts are
    split, and the answers of the whole window are read by one parse_numbers call.
    """
    with connection.cursor() as cursor:
        cursor.execute(_window_sql(), [SurveyResponse.Status.SUBMITTED, low, high])
        rows, numbers_of_codes, ids, values, scores, versions, careful = cursor.fetchone()
    careful_pks = [int(pk) for pk in (careful or "").split(",") if pk]
    if not rows:
        return [], careful_pks
    # Each row's instrument as its place in INSTRUMENTS: a row with answer_values has one.
    codes = list(INSTRUMENTS)
    code_of_row = _integers(numbers_of_codes, rows)
    pks = _integers(ids, rows)
    stored, stored_versions = scores.split(SEPARATOR), versions.split(SEPARATOR)
    if not len(stored) == len(stored_versions) == rows:
        raise ValueError("a stored text holds the separator; rescore --exact reads it")
    present = np.unique(code_of_row).tolist()
    widths = np.array([stored_width(layout_items(code)) for code in codes], dtype=np.int64)
    row_widths = widths[code_of_row]
    numbers = parse_numbers(values)
    readable = numbers is not None and numbers.size == row_widths.sum()
    row_starts = np.cumsum(row_widths) - row_widths  # where each row's numbers begin
    groups = []
    for number in present:
        code, at = codes[number], np.flatnonzero(code_of_row == number)
        if readable:
            matrix = numbers[row_starts[at][:, None] + np.arange(widths[number])]
            odd = np.zeros(len(at), dtype=bool)
        else:
            matrix, odd = _parse_checking(values, at, widths[number])
        groups.append(
            Group(
                code,
                pks[at],
                matrix[:, : len(layout_items(code))],
                odd,
                [stored[i] for i in at.tolist()],
                [stored_versions[i] for i in at.tolist()],
            )
        )
    return groups, careful_pks


def _integers(text: str, count: int) -> npt.NDArray[np.int64]:
    """Comma-separated primary keys as integers (parse_numbers reads them exactly)."""
    numbers = parse_numbers(text)
    if numbers is None or numbers.size != count:
        return np.fromiter(map(int, text.split(",")), dtype=np.int64, count=count)
    return numbers.astype(np.int64)


def _window_sql() -> str:
    meta = SurveyResponse._meta
    quote = connection.ops.quote_name
    column = {name: quote(meta.get_field(name).column) for name in _WINDOW_FIELDS}
    has = f"{column['answer_values']} IS NOT NULL"
    if connection.vendor == "postgresql":
        joined, as_text = "string_agg({}, {})", "{}::text"
        comma, separator = "','", "chr(30)"
    else:
        joined, as_text = "group_concat({}, {})", "{}"
        comma, separator = "','", "char(30)"

    def per_row(value: str, separator: str, *, when: str = has) -> str:
        # Aggregates skip NULL: each one keeps the same rows, in the same order.
        return joined.format(f"CASE WHEN {when} THEN {value} END", separator)

    number_of_code = " ".join(
        f"WHEN '{code}' THEN {number}" for number, code in enumerate(INSTRUMENTS)
    )
    parts = [
        f"COUNT({column['answer_values']})",
        per_row(as_text.format(f"CASE {column['instrument']} {number_of_code} END"), comma),
        per_row(as_text.format(column["id"]), comma),
        joined.format(column["answer_values"], comma),
        per_row(as_text.format(column["scores"]), separator),
        per_row(column["rule_version"], separator),
        per_row(as_text.format(column["id"]), comma, when=f"{column['answer_values']} IS NULL"),
    ]
    return (
        f"SELECT {', '.join(parts)} FROM {quote(meta.db_table)} "  # noqa: S608 - names from the model
        f"WHERE {column['status']} = %s AND {column['id']} > %s AND {column['id']} <= %s"
    )


_WINDOW_FIELDS = ("id", "instrument", "answer_values", "scores", "rule_version", "status")


def _parse_checking(
    values: str, rows: npt.NDArray[np.intp], width: int
) -> tuple[Floats, Bools]:
    """The slow reading, one array at a time, for a window holding something else than
    non-negative decimals: the given rows' matrix and which of them are not all numbers."""
    arrays = json.loads(f"[{values}]")
    mine = [arrays[row] for row in rows.tolist()]
    odd = np.array(
        [len(a) != width or not set(map(type, a)) <= bulk.NUMBER_TYPES for a in mine], bool
    )
    blank = [None] * width
    cells = [blank if bad else a for a, bad in zip(mine, odd, strict=True)]
    return np.array(cells, dtype=np.float64).reshape(len(mine), width), odd


# Scoring -----------------------------------------------------------------------------------


def _bulk_window(low: int, high: int, report: RescoreReport) -> Changes:
    """Vectorised scores of one window; the rows it cannot read as numbers go the careful way."""
    changes = Changes()
    groups, careful = read_window(low, high)
    for group in groups:
        careful.extend(_score_group(group, changes, report))
    if careful:
        _score_careful(_rows(SurveyResponse.objects.filter(pk__in=careful)), changes, report)
    return changes


def _score_group(group: Group, changes: Changes, report: RescoreReport) -> list[int]:
    """Score one group into `changes`; returns the primary keys left to the careful path."""
    code, matrix = group.instrument, group.matrix
    items = list(layout_items(code))
    refused = group.odd.copy()
    refused[list(bulk.invalid_cells(code, matrix, items))] = True
    keep = np.flatnonzero(~refused)
    unique, inverse = _unique_rows(matrix[keep])
    texts, version = bulk.score_texts_matrix(
        code, unique, items, jsonb_order=connection.vendor == "postgresql"
    )
    new = list(map(texts.__getitem__, inverse.tolist()))
    stored, versions = group.scores, group.versions
    if len(keep) < len(refused):
        stored = [stored[i] for i in keep]
        versions = [versions[i] for i in keep]
    differs = np.fromiter(map(operator.ne, new, stored), bool, len(new))
    differs |= np.fromiter(map(version.__ne__, versions), bool, len(new))
    changed = [
        i
        for i in np.flatnonzero(differs).tolist()
        if _differs(new[i], version, stored[i], versions[i])
    ]
    changes.pks.extend(group.pks[keep[changed]].tolist())
    changes.texts.extend(new[i] for i in changed)
    changes.versions.extend([version] * len(changed))
    report.count(code, len(keep), len(changed))
    return group.pks[refused].tolist()


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

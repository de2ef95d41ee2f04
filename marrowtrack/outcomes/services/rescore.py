"""Rescoring the whole registry from the stored raw answers, vectorised end to end (ADR 0032).

The registry is read once, in windows of primary keys, in one transaction. Per window the
database hands over one group per instrument: the rows' ids (on SQLite only when a row is to be
written), their answers as numbers in item order (`answer_values`, a column the database
computes from the JSON, answer_values.py), their stored scores and rule versions, each as one
text (no Python object per row, no JSON parse per row). The answers become one matrix;
identical answer rows are scored once; scores, reasons and derived instruments come from the
vectorised rules (bulk.py, equal to the exact scorer on every row, property-tested in
tests/test_bulk.py) as the JSON text json.dumps would give (in jsonb's key order on PostgreSQL,
so equal scores give equal text); the texts are compared with the stored ones and only the rows
whose scores or rule versions change are written, in one statement per window. Rows whose
answers are not plain numbers of known items (no `answer_values`), or that the current rules
refuse, go through the careful path, which parses their JSON and names the item; a refused row
keeps its old scores and is reported.
`exact=True` runs the same windows with the exact scorer row by row (the benchmark's baseline).
Every instrument with changed rows gets one audit entry, in the same transaction.
"""

from __future__ import annotations

import json
import math
import operator
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

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

CHUNK = 100_000  # primary keys per window
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
    with transaction.atomic(), _page_cache_for_rewriting() as make_room:
        for low, high in id_windows(chunk):
            if exact:
                rows = _exact_window(low, high, report)
            else:
                rows = _bulk_window(low, high, report, before_writing=make_room)
            if rows.pks:
                make_room()
            write_changed(rows)
        _audit(by, report)
    report.read = dict(sorted(report.read.items()))
    report.changed = {code: report.changed[code] for code in report.read}
    return report


@contextmanager
def _page_cache_for_rewriting() -> Iterator[Callable[[], None]]:
    """On SQLite, a page cache that holds the pages a rule change rewrites, from the first
    window with rows to write to the end of the rescoring: with the default 2 MB, the UPDATE
    of every row writes pages out to the journal and reads them back (about a tenth of the
    UPDATE's time). Only when there is something to write: a pass that writes nothing reads
    each page once, and a cache that keeps them all only takes fresh memory from the system
    (about 90 MB at 100,000 patients, 23,000 page faults, a tenth of that pass). Memory is
    taken as pages are read, and the setting is put back afterwards."""
    before: list[int] = []

    def make_room() -> None:
        if connection.vendor == "sqlite" and not before:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size")
                before.append(int(cursor.fetchone()[0]))
                cursor.execute(f"PRAGMA cache_size = -{REWRITE_CACHE_KIB}")

    try:
        yield make_room
    finally:
        if before:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {before[0]}")


TEMP_TABLE_ROWS = 10_000  # rows to write from which SQLite goes through a temporary table
REWRITE_CACHE_KIB = 256 * 1024  # at most 256 MB (the 100,000-patient demo's responses: 91 MB)


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
    """One instrument's rows of a window: their places in the window, their answers as a
    matrix in item order (NaN = missing) and which rows hold something else than numbers."""

    instrument: str
    at: npt.NDArray[np.intp]
    matrix: Floats
    odd: Bools


@dataclass
class Window:
    """A window's submitted rows with answer_values, each column as one text, split only when
    needed; `careful` lists the primary keys of the rows without answer_values."""

    rows: int
    code_of_row: npt.NDArray[np.int64]  # the row's instrument: its place in INSTRUMENTS
    ids: str | None  # "1,5,9"; None until asked for (SQLite, see read_window)
    values: str  # "[2,3,null],[1,1,4],..."
    scores: str  # stored scores JSON texts, joined by SEPARATOR
    versions: str  # stored rule versions, joined by SEPARATOR
    careful: list[int]
    bounds: tuple[int, int] = (0, 0)  # the (low, high] window, to read the ids when asked

    def pks(self) -> npt.NDArray[np.int64]:
        if self.ids is None:
            self.ids = _window_ids(*self.bounds, self.rows)
        return _integers(self.ids, self.rows)

    def stored(self) -> tuple[list[str], list[str]]:
        scores, versions = self.scores.split(SEPARATOR), self.versions.split(SEPARATOR)
        if not len(scores) == len(versions) == self.rows:
            raise ValueError("a stored text holds the separator; rescore --exact reads it")
        return scores, versions

    def groups(self) -> list[Group]:
        """One group per instrument present, the answers read by one parse_numbers call."""
        codes = list(INSTRUMENTS)
        widths = np.array([stored_width(layout_items(code)) for code in codes], dtype=np.int64)
        row_widths = widths[self.code_of_row]
        numbers = parse_numbers(self.values)
        readable = numbers is not None and numbers.size == row_widths.sum()
        row_starts = np.cumsum(row_widths) - row_widths  # where each row's numbers begin
        groups, arrays = [], None
        present = np.flatnonzero(np.bincount(self.code_of_row, minlength=len(codes)))
        for number in present.tolist():
            code, at = codes[number], np.flatnonzero(self.code_of_row == number)
            if readable:
                matrix = numbers[row_starts[at][:, None] + np.arange(widths[number])]
                odd = np.zeros(len(at), dtype=bool)
            else:
                arrays = arrays if arrays is not None else json.loads(f"[{self.values}]")
                matrix, odd = _parse_checking(arrays, at, int(widths[number]))
            groups.append(Group(code, at, matrix[:, : len(layout_items(code))], odd))
        return groups


def read_window(low: int, high: int) -> Window:
    """The window's submitted rows in one statement and one scan, each column as one text: no
    Python object per row until a text is split, no JSON parsed per row.

    On SQLite the primary keys are left out (their text is a tenth of the statement's time) and
    read by a second statement only when a row is to be written: inside the rescoring's
    transaction SQLite reads one snapshot, so both statements see the same rows in the same
    order. PostgreSQL (read committed) could see a row committed between two statements, so
    there the ids come with the rest.
    """
    params = [SurveyResponse.Status.SUBMITTED, low, high]
    with connection.cursor() as cursor:
        cursor.execute(_window_sql(careful=False, ids=connection.vendor != "sqlite"), params)
        rows, readable, codes, ids, values, scores, versions = cursor.fetchone()
        careful = None
        if readable != rows:  # some rows have no answer_values: leave them out of the texts
            cursor.execute(_window_sql(careful=True), params)
            _, rows, codes, ids, values, scores, versions, careful = cursor.fetchone()
    careful_pks = [int(pk) for pk in (careful or "").split(",") if pk]
    if not rows:
        return Window(0, np.empty(0, dtype=np.int64), "", "", "", "", careful_pks)
    code_of_row = _instrument_numbers(codes, rows)
    return Window(rows, code_of_row, ids, values, scores, versions, careful_pks, (low, high))


def _instrument_numbers(codes: str, rows: int) -> npt.NDArray[np.int64]:
    """Each row's instrument, its place in INSTRUMENTS, from the codes joined by commas.

    With array operations (a lookup per row costs a twentieth of the rescoring): a code's
    length, first and last letters pick the instrument, then the picked codes, joined, must
    spell the text exactly. Anything else (a code not in INSTRUMENTS) goes the plain way.
    """
    raw = np.frombuffer(codes.encode(), dtype=np.uint8)
    ends = np.append(np.flatnonzero(raw == ord(",")), len(raw))
    lengths = ends - np.append(0, ends[:-1] + 1)
    if len(ends) == rows and 0 < lengths.min() and lengths.max() < _LONGEST_KEYED:
        first = raw[ends - lengths].astype(np.int64)
        number = _CODE_OF_KEY[(lengths << 16) | (first << 8) | raw[ends - 1]]
        if number.min() >= 0:
            # Each row's code and comma (NUL bytes pad the table), the last comma dropped.
            spelled = _CODE_TEXTS[number].ravel()
            if np.array_equal(spelled[spelled != 0][:-1], raw):
                return number.astype(np.int64)
    index = {code: number for number, code in enumerate(INSTRUMENTS)}
    return np.fromiter(map(index.__getitem__, codes.split(",")), np.int64, rows)


def _code_keys() -> tuple[npt.NDArray[np.int8], npt.NDArray[np.uint8]]:
    """The instrument of each key (a code's length, first and last byte; -1 for none), and
    each instrument's code followed by a comma, as bytes padded with NUL. Two codes with one
    key would only send every window the plain way (the spelling check fails)."""
    encoded = [code.encode() for code in INSTRUMENTS]
    of_key = np.full(_LONGEST_KEYED << 16, -1, dtype=np.int8)
    texts = np.zeros((len(encoded), max(map(len, encoded)) + 1), dtype=np.uint8)
    for number, code in enumerate(encoded):
        if len(code) < _LONGEST_KEYED:
            of_key[len(code) << 16 | code[0] << 8 | code[-1]] = number
        texts[number, : len(code) + 1] = np.frombuffer(code + b",", dtype=np.uint8)
    return of_key, texts


_LONGEST_KEYED = 16  # codes up to 15 bytes long are keyed (a table of 1 MiB)
_CODE_OF_KEY, _CODE_TEXTS = _code_keys()


def _window_ids(low: int, high: int, rows: int) -> str:
    """SQLite: the primary keys of the rows read_window read without them, in the same order."""
    meta, quote = SurveyResponse._meta, connection.ops.quote_name
    column = {name: quote(meta.get_field(name).column) for name in _WINDOW_FIELDS}
    params = [SurveyResponse.Status.SUBMITTED, low, high]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*), group_concat({column['id']}, ',') FROM {quote(meta.db_table)} "  # noqa: S608 - names from the model
            f"WHERE {column['status']} = %s AND {column['id']} > %s AND {column['id']} <= %s "
            f"AND {column['answer_values']} IS NOT NULL",
            params,
        )
        count, ids = cursor.fetchone()
    if count != rows:
        raise RuntimeError("the window's rows changed while it was rescored")
    return str(ids or "")


def _integers(text: str, count: int) -> npt.NDArray[np.int64]:
    """Comma-separated primary keys as integers (parse_numbers reads them exactly)."""
    numbers = parse_numbers(text) if count else np.empty(0)
    if numbers is None or numbers.size != count:
        return np.fromiter(map(int, text.split(",")), dtype=np.int64, count=count)
    return numbers.astype(np.int64)


def _window_sql(*, careful: bool, ids: bool = True) -> str:
    """The window's statement; `careful` keeps the rows without answer_values out of the
    texts (aggregates skip NULL, each keeping the same rows in the same order) and lists
    their primary keys apart; without `ids`, NULL stands for the primary keys' text."""
    meta = SurveyResponse._meta
    quote = connection.ops.quote_name
    column = {name: quote(meta.get_field(name).column) for name in _WINDOW_FIELDS}
    values = column["answer_values"]
    if connection.vendor == "postgresql":
        joined, as_text, separator = "string_agg({}, {})", "{}::text", "chr(30)"
    else:
        # The separator as a literal: SQLite calls char(30) again for every row (a fifth of
        # the statement's time); PostgreSQL folds chr(30) once.
        joined, as_text, separator = "group_concat({}, {})", "{}", f"'{SEPARATOR}'"

    def per_row(value: str, between: str, *, when: str = f"{values} IS NOT NULL") -> str:
        return joined.format(f"CASE WHEN {when} THEN {value} END" if careful else value, between)

    parts = [
        "COUNT(*)",
        f"COUNT({values})",
        per_row(column["instrument"], "','"),
        per_row(as_text.format(column["id"]), "','") if ids else "NULL",
        joined.format(values, "','"),
        per_row(as_text.format(column["scores"]), separator),
        per_row(column["rule_version"], separator),
    ]
    if careful:
        parts.append(per_row(as_text.format(column["id"]), "','", when=f"{values} IS NULL"))
    return (
        f"SELECT {', '.join(parts)} FROM {quote(meta.db_table)} "  # noqa: S608 - names from the model
        f"WHERE {column['status']} = %s AND {column['id']} > %s AND {column['id']} <= %s"
    )


_WINDOW_FIELDS = ("id", "instrument", "answer_values", "scores", "rule_version", "status")


def _parse_checking(
    arrays: list[object], rows: npt.NDArray[np.intp], width: int
) -> tuple[Floats, Bools]:
    """The slow reading, the window's arrays parsed as JSON, for a window holding something
    else than non-negative decimals: the given rows' matrix and which are not all numbers."""
    mine = [arrays[row] for row in rows.tolist()]
    odd = np.array(
        [
            not isinstance(a, list) or len(a) != width or not set(map(type, a)) <= bulk.NUMBER_TYPES
            for a in mine
        ],
        bool,
    )
    blank = [None] * width
    cells = [blank if bad else a for a, bad in zip(mine, odd, strict=True)]
    return np.array(cells, dtype=np.float64).reshape(len(mine), width), odd


# Scoring -----------------------------------------------------------------------------------


def _bulk_window(
    low: int, high: int, report: RescoreReport, *, before_writing: Callable[[], None]
) -> Changes:
    """Vectorised scores of one window; the rows it cannot read as numbers go the careful way.
    `before_writing` runs before the ids of rows to write are read (SQLite's page cache)."""
    window = read_window(low, high)
    new = np.empty(window.rows, dtype=object)  # each row's new scores text, in window order
    versions = np.empty(len(INSTRUMENTS), dtype=object)  # each instrument's rule versions
    refused: list[npt.NDArray[np.intp]] = []
    for group in window.groups():
        texts, version, left = _score_group(group)
        new[group.at[~left]] = texts
        versions[list(INSTRUMENTS).index(group.instrument)] = version
        refused.append(group.at[left])
    careful = np.concatenate([np.empty(0, dtype=np.intp), *refused])
    changed = _changed_rows(window, new, versions, careful)
    read = np.bincount(window.code_of_row, minlength=len(INSTRUMENTS))
    read -= np.bincount(window.code_of_row[careful], minlength=len(INSTRUMENTS))
    moved = np.bincount(window.code_of_row[changed], minlength=len(INSTRUMENTS))
    for number, code in enumerate(INSTRUMENTS):
        if read[number]:
            report.count(code, int(read[number]), int(moved[number]))
    changes = Changes()
    if len(changed):
        before_writing()
        changes.pks = window.pks()[changed].tolist()
        changes.texts = new[changed].tolist()
        changes.versions = versions[window.code_of_row[changed]].tolist()
    careful_pks = window.careful + (window.pks()[careful].tolist() if len(careful) else [])
    if careful_pks:
        _score_careful(_rows(SurveyResponse.objects.filter(pk__in=careful_pks)), changes, report)
    return changes


def _score_group(group: Group) -> tuple[npt.NDArray[np.object_], str, Bools]:
    """New scores texts of the group's rows the current rules accept, their rule versions,
    and which rows are left to the careful path (not all numbers, or refused)."""
    code, matrix = group.instrument, group.matrix
    items = list(layout_items(code))
    left = group.odd.copy()
    left[list(bulk.invalid_cells(code, matrix, items))] = True
    kept = matrix[~left]
    postgresql = connection.vendor == "postgresql"
    if kept.shape[1] <= DEDUPLICATED_WIDTH:
        unique, inverse = _unique_rows(kept)
        texts, version = bulk.score_texts_matrix(
            code, unique, items, jsonb_order=postgresql, checked=True
        )
        return np.array(texts, dtype=object)[inverse], version, left
    texts, version = bulk.score_texts_matrix(
        code, kept, items, jsonb_order=postgresql, checked=True
    )
    out = np.empty(len(texts), dtype=object)
    out[:] = texts
    return out, version, left


DEDUPLICATED_WIDTH = 8  # narrower answer rows repeat often (NPRS: 11 values in 40,000 rows)


def _changed_rows(
    window: Window,
    new: npt.NDArray[np.object_],
    versions: npt.NDArray[np.object_],
    careful: npt.NDArray[np.intp],
) -> npt.NDArray[np.intp]:
    """Places of the rows whose scores or rule versions differ from the stored ones.

    Usually nothing changed: then the whole window's new texts, joined, equal the stored ones
    (one comparison). Otherwise row by row: a new rule version changes the row; with the same
    version, scores whose text differs are compared as JSON (the text may differ in spacing).
    """
    version_of_row = versions[window.code_of_row]
    if not len(careful):
        if SEPARATOR.join(version_of_row.tolist()) == window.versions:
            if SEPARATOR.join(new.tolist()) == window.scores:
                return np.empty(0, dtype=np.intp)
    stored, stored_versions = window.stored()
    texts = new.tolist()
    new_version = np.fromiter(
        map(operator.ne, version_of_row.tolist(), stored_versions), bool, window.rows
    )
    new_text = np.fromiter(map(operator.ne, texts, stored), bool, window.rows)
    same_version_new_text = np.flatnonzero(new_text & ~new_version).tolist()
    new_scores = [i for i in same_version_new_text if json.loads(texts[i]) != json.loads(stored[i])]
    changed = new_version
    changed[new_scores] = True
    changed[careful] = False
    return np.flatnonzero(changed)


def _unique_rows(matrix: Floats) -> tuple[Floats, npt.NDArray[np.intp]]:
    """The distinct rows and, per row, the index of its distinct row."""
    keys = _row_keys(matrix)
    if keys is not None:
        distinct, inverse = bulk.distinct_keys(keys)
        one_of_each = np.empty(len(distinct), dtype=np.intp)
        one_of_each[inverse] = np.arange(len(inverse))  # a row of each distinct key
        return matrix[one_of_each], inverse
    matrix = np.ascontiguousarray(matrix)  # compared as bytes
    as_bytes = matrix.view(np.dtype((np.void, matrix.dtype.itemsize * matrix.shape[1])))
    _, first, inverse = bulk.sorted_distinct(as_bytes.ravel())
    return matrix[first], inverse


def _row_keys(matrix: Floats) -> npt.NDArray[np.int64] | None:
    """One integer per row, equal exactly when the rows are equal (each answer's place in its
    column's range, 0 for missing, in mixed radix), when every answer is a whole number and
    the ranges multiply to less than 2**62; None otherwise."""
    present = ~np.isnan(matrix)
    whole = np.where(present, matrix, 0)
    if not len(matrix) or not np.array_equal(np.rint(whole), whole):
        return None
    codes = whole.astype(np.int64)
    low, high = codes.min(axis=0), codes.max(axis=0)
    radix = high - low + 2
    if math.prod(radix.tolist()) >= 2**62:
        return None
    keys = np.zeros(len(matrix), dtype=np.int64)
    for col in range(matrix.shape[1]):
        keys = keys * radix[col] + np.where(present[:, col], codes[:, col] - low[col] + 1, 0)
    return keys


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
    """Write new scores, rule versions and the update time of the given rows.

    Plain UPDATE by primary key (Django's bulk_update builds one CASE per row and field, which
    costs more than the scoring at registry size): one UPDATE ... FROM a temporary table of the
    rows (PostgreSQL: filled by COPY; SQLite: by executemany, for many rows), else one UPDATE
    ... FROM the rows as one JSON array (PostgreSQL) or one prepared UPDATE run by executemany
    (SQLite, a few rows). The scores go as JSON text, stored as every other write stores them.
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
    rows = zip(changes.pks, changes.texts, changes.versions, strict=True)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with transaction.atomic():  # a failed write takes its temporary table with it
                if _copy_to_temporary_table(cursor, changes):
                    cursor.execute(
                        f"UPDATE {table} SET {scores} = r.scores::jsonb, {version} = r.version, "  # noqa: S608 - names from the model
                        f"{updated} = %s FROM rescored AS r WHERE {table}.{pk} = r.id",
                        [now],
                    )
                    cursor.execute("DROP TABLE rescored")
                else:  # the rows as one JSON document (json.dumps escapes the texts in C)
                    cursor.execute(
                        f"UPDATE {table} SET {scores} = (v.row ->> 1)::jsonb, "  # noqa: S608 - names from the model
                        f"{version} = v.row ->> 2, {updated} = %s "
                        f"FROM json_array_elements(%s::json) AS v(row) "
                        f"WHERE {table}.{pk} = (v.row ->> 0)::bigint",
                        [now, json.dumps(list(rows))],
                    )
        elif len(changes.pks) >= TEMP_TABLE_ROWS and _sqlite_updates_from():
            # Each UPDATE run by executemany finds its row by itself; one UPDATE joined to a
            # table of the rows costs about a quarter less for the whole registry.
            cursor.execute(
                "CREATE TEMP TABLE rescored (id INTEGER PRIMARY KEY, scores TEXT, version TEXT)"
            )
            try:
                cursor.executemany("INSERT INTO temp.rescored VALUES (%s, %s, %s)", rows)
                cursor.execute(
                    f"UPDATE {table} SET {scores} = r.scores, {version} = r.version, "  # noqa: S608 - names from the model
                    f"{updated} = %s FROM temp.rescored AS r WHERE r.id = {table}.{pk}",
                    [now],
                )
            finally:
                cursor.execute("DROP TABLE temp.rescored")
        else:
            cursor.executemany(
                f"UPDATE {table} SET {scores} = %s, {version} = %s, {updated} = %s "  # noqa: S608 - names from the model
                f"WHERE {pk} = %s",
                [(text, rule_version, now, row) for row, text, rule_version in rows],
            )
    return len(changes.pks)


def _copy_to_temporary_table(cursor: Any, changes: Changes) -> bool:
    """PostgreSQL: the rows into a temporary table `rescored` by COPY, one block of text built
    by str.join (a third of the client's CPU of the rows as one JSON parameter, which psycopg
    quotes in Python). False, with nothing done, when a text holds a tab, a line break or a
    carriage return (never in JSON text or a rule version, but then COPY would misread it).
    """
    block = "\n".join(map("{}\t{}\t{}".format, changes.pks, changes.texts, changes.versions))
    rows = len(changes.pks)
    if block.count("\n") != rows - 1 or block.count("\t") != 2 * rows or "\r" in block:
        return False
    cursor.execute("CREATE TEMP TABLE rescored (id bigint, scores text, version text)")
    with cursor.cursor.copy("COPY rescored FROM STDIN") as copy:
        copy.write(block.replace("\\", "\\\\"))  # COPY's text format escapes backslashes
    return True


def _sqlite_updates_from() -> bool:
    return connection.Database.sqlite_version_info >= (3, 33)  # UPDATE ... FROM came in 3.33

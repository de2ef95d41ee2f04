"""Each response's answers as a row of numbers, kept by the database (ADR 0032).

`SurveyResponse.answer_values` is a stored generated column: the database itself computes it
from `answers` on every INSERT and UPDATE, so it cannot disagree with the JSON, whichever code
wrote the row (services, the demo's bulk loader, a data migration, a raw UPDATE). It holds the
instrument's known items (its own items, then the ones it also accepts) in that order as a
JSON array of plain numbers and nulls, e.g. `[2,3,null,4]`; an instrument with one item
repeats it (`[7,7]`), so every row reads back as an array on both databases.

The column is NULL where the answers are not a plain set of known items: not a JSON object,
an item the instrument does not know, or (PostgreSQL) a value that is not a number or null.
`marrowtrack rescore` sends those rows, and any SQLite row whose array holds something other
than numbers, through the careful path that names the item (services/rescore.py).

Why: rescoring 180,000 responses spent most of its time parsing each row's JSON in Python
(ADR 0029). With the numbers already in item order, a chunk of rows is one text to parse.
The expression is built from the instrument definitions (LAYOUTS), so changing an instrument's
items changes the field and `makemigrations --check` asks for the migration that recomputes it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db import NotSupportedError
from django.db.models import F, Func, TextField

from .instruments import INSTRUMENTS

Layout = tuple[str, tuple[str, ...]]  # instrument code, item codes in column order
PLAIN_CODE = re.compile(r"[A-Za-z0-9_]+")


def layout_items(code: str) -> tuple[str, ...]:
    """An instrument's columns: its own items in definition order, then the accepted extras."""
    entry = INSTRUMENTS[code]
    return tuple(item.code for item in (*entry.definition.items, *entry.also_accepts))


def current_layouts() -> tuple[Layout, ...]:
    return tuple((code, layout_items(code)) for code in INSTRUMENTS)


def stored_width(items: Sequence[str]) -> int:
    """Numbers per row in the column (a one-item instrument stores its item twice)."""
    return max(len(items), 2)


def _paths(items: Sequence[str]) -> list[str]:
    return list(items) * 2 if len(items) == 1 else list(items)


def plain_code(text: str) -> str:
    """`text` itself when it is a plain code (letters, digits, underscores), else ValueError:
    instrument and item codes go into the schema's expressions as literals."""
    if not PLAIN_CODE.fullmatch(text):
        raise ValueError(f"not a plain code: {text!r}")
    return text


def _literal(text: str) -> str:
    return f"'{plain_code(text)}'"


class AnswerValues(Func):
    """The generated column's expression, one CASE branch per instrument (see module doc)."""

    output_field = TextField()

    def __init__(self, layouts: Sequence[Layout], **extra: Any) -> None:
        self.layouts = tuple((code, tuple(items)) for code, items in layouts)
        for code, items in self.layouts:
            for text in (code, *items):
                _literal(text)
        super().__init__(F("instrument"), F("answers"), **extra)

    def _columns(self, compiler: Any) -> tuple[str, str]:
        instrument, _ = compiler.compile(self.source_expressions[0])
        answers, _ = compiler.compile(self.source_expressions[1])
        return instrument, answers

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        instrument, answers = self._columns(compiler)
        branches = []
        for code, items in self.layouts:
            paths = ", ".join(f"'$.\"{item}\"'" for item in _paths(items))
            known = ", ".join(f"'$.\"{item}\"'" for item in items)
            # json_remove of every known item leaves {} exactly when no unknown item is there.
            branches.append(
                f"WHEN {_literal(code)} THEN CASE WHEN json_remove({answers}, {known}) = '{{}}' "
                f"THEN json_extract({answers}, {paths}) END"
            )
        return (
            f"CASE WHEN json_valid({answers}) AND json_type({answers}) = 'object' "
            f"THEN CASE {instrument} {' '.join(branches)} END END",
            [],
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        instrument, answers = self._columns(compiler)
        branches = []
        for code, items in self.layouts:
            known = ",".join(items)
            cells = " || ',' || ".join(
                f"coalesce({answers} ->> {_literal(item)}, 'null')" for item in _paths(items)
            )
            branches.append(
                f"WHEN {_literal(code)} THEN CASE WHEN ({answers} - '{{{known}}}'::text[]) = "
                f"'{{}}'::jsonb THEN '[' || {cells} || ']' END"
            )
        numbers_only = (
            f"NOT jsonb_path_exists({answers}, "
            '\'$.* ? (@.type() != "number" && @.type() != "null")\')'
        )
        return (
            f"CASE WHEN jsonb_typeof({answers}) = 'object' AND {numbers_only} "
            f"THEN CASE {instrument} {' '.join(branches)} END END",
            [],
        )

    def as_sql(self, *args: Any, **extra: Any) -> tuple[str, list]:
        raise NotSupportedError("answer_values is written for SQLite and PostgreSQL")


def parse_numbers(text: str) -> npt.NDArray[np.float64] | None:
    """The numbers of the column's arrays, e.g. '[1,2.5,null],[3,4]', as one flat float array
    (NaN for null), read with array operations instead of a JSON parser; None when the text
    holds anything but non-negative decimals of up to 15 digits and nulls (a sign, an
    exponent, a string, true/false), for the caller's slower reading.

    Each number is its digits' integer divided by a power of ten: both exact in a double, so the
    quotient is the double nearest the decimal, as float() and json.loads read it.
    """
    try:
        data = text.encode("ascii")
    except UnicodeEncodeError:
        return None
    if b"[" in data and not _flat_arrays(np.frombuffer(data, dtype=np.uint8)):
        return None
    raw = np.frombuffer(data.translate(None, b"[]"), dtype=np.uint8)  # brackets dropped, in C
    if not raw.size:
        return np.full(1, np.nan)
    numbers = _parse_whole_numbers(raw)
    if numbers is None and (raw == DOT).any():
        raw = np.frombuffer(raw.tobytes().replace(b"null", b""), dtype=np.uint8)
        ends, lengths = _token_ends(raw)
        return _parse_decimals(raw, ends - lengths, ends)
    return numbers


def _flat_arrays(raw: npt.NDArray[np.uint8]) -> bool:
    """'[..],[..],[..]' with no array inside an array: every '[' but the first follows '],'."""
    opened, closed = np.flatnonzero(raw == OPEN), np.flatnonzero(raw == CLOSE)
    return (
        len(opened) == len(closed) > 0
        and opened[0] == 0
        and closed[-1] == len(raw) - 1
        and np.array_equal(opened[1:], closed[:-1] + 2)
        and bool((raw[closed[:-1] + 1] == COMMA).all())
    )


def _token_ends(raw: npt.NDArray[np.uint8]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Where each comma-separated token ends (just past it) and its length."""
    ends = np.append(np.flatnonzero(raw == COMMA), len(raw))
    lengths = np.diff(ends, prepend=-1)
    lengths -= 1
    return ends, lengths


def _parse_whole_numbers(raw: npt.NDArray[np.uint8]) -> npt.NDArray[np.float64] | None:
    """The tokens of whole numbers and nulls (an empty token reads as null, as before brackets
    were dropped); None when a byte is anything else.

    The nulls stay in the text (few rows have any, and removing them costs a search of the
    whole text): a token of four bytes that spell null reads as NaN, and every byte outside
    those tokens must be a digit or a comma.
    """
    ends, lengths = _token_ends(raw)
    digits = raw - ZERO  # uint8 wraps around: only '0'-'9' fall below 10
    others = len(raw) - int(np.count_nonzero(digits < 10))  # commas and letters
    starts = ends - lengths
    null = np.flatnonzero(lengths == NULL_LENGTH)
    null = null[raw[starts[null]] == NULL[0]]
    for offset in range(1, NULL_LENGTH):
        if len(null) and not (raw[starts[null] + offset] == NULL[offset]).all():
            return None
    if others != len(ends) - 1 + NULL_LENGTH * len(null):
        return None
    lengths[null] = 0
    longest = int(lengths.max())
    if longest > MAX_DIGITS:
        return None
    # Every number's last digit at once, then the tens, hundreds... of the longer ones only
    # (most answers have one digit).
    last = ends - 1
    np.maximum(last, 0, out=last)
    numbers = digits[last].astype(np.float64)
    longer = np.flatnonzero(lengths > 1)
    for k in range(1, longest):
        longer = longer[lengths[longer] > k]
        numbers[longer] += digits[ends[longer] - 1 - k] * POWERS[k]
    numbers[lengths == 0] = np.nan
    return numbers


def _parse_decimals(
    raw: npt.NDArray[np.uint8], starts: npt.NDArray[np.int64], ends: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64] | None:
    """parse_numbers for text with decimal points: digits summed per number, then divided."""
    dot = raw == DOT
    digit = (raw >= ZERO) & (raw <= ZERO + 9)
    if not ((raw == COMMA) | dot | digit).all():
        return None
    digits_before = np.concatenate(([0], np.cumsum(digit)))
    dots_before = np.concatenate(([0], np.cumsum(dot)))
    digits = digits_before[ends] - digits_before[starts]
    dots = dots_before[ends] - dots_before[starts]
    if (digits > MAX_DIGITS).any() or (dots > 1).any() or ((dots == 1) & (digits == 0)).any():
        return None
    token = np.cumsum(raw == COMMA)  # which number each character belongs to
    at = np.flatnonzero(digit)
    after = digits_before[ends[token[at]]] - digits_before[at] - 1  # digits after this one
    weights = (raw[at] - ZERO) * POWERS[after]
    numbers = np.bincount(token[at], weights=weights, minlength=len(ends)).astype(np.float64)
    at = np.flatnonzero(dot)
    numbers[token[at]] /= POWERS[digits_before[ends[token[at]]] - digits_before[at]]
    numbers[digits == 0] = np.nan
    return numbers


COMMA, DOT, ZERO, OPEN, CLOSE = ord(","), ord("."), ord("0"), ord("["), ord("]")
NULL = b"null"
NULL_LENGTH = len(NULL)
MAX_DIGITS = 15  # every integer of 15 digits is exact in a double
POWERS = 10.0 ** np.arange(MAX_DIGITS + 1)

"""The scores the registry dashboard reads, kept by the database as columns (ADR 0031).

Each kept score is a stored generated column of `SurveyResponse` (`score_nprs_total`, ...):
the database computes it from `scores` on every INSERT and UPDATE, so it cannot disagree with
the JSON whichever code wrote the row (the scoring services, the REDCap import, `rescore`,
the demo's bulk loader, a data migration, a raw UPDATE). It holds the score as its JSON text
(`7`, `61.76`) when the score is a number, NULL otherwise (absent, null, a boolean, a
string). Text, not the database's number: `float()` of the text is bit for bit what
`json.loads` reads from the whole document (correctly rounded; SQLite's own number parser is
not guaranteed to be), so the exact meaningful-change decisions see the same values.

Why columns: the dashboard read paged through every response's answers and scores JSON
(`docs/performance.md`, "Registry dashboard"). With the kept scores in an index beside the
columns the read filters on (`response_registry_read`), SQLite answers the read from that
index's b-tree alone and PostgreSQL with an index-only scan.

Kept: the NPRS total (every condition's default score, the evidence card, the report) and
the OMERACT-OARSI domains (WOMAC pain and function, the PGA). Another score a reader picks is
read out of the JSON as before (`outcomes.selectors.registry_score_columns`).
"""

from __future__ import annotations

from typing import Any

from django.db import NotSupportedError
from django.db.models import F, Func, GeneratedField, TextField

from .answer_values import plain_code

KEPT_SCORES: tuple[tuple[str, str], ...] = (
    ("NPRS", "total"),
    ("WOMAC", "pain"),
    ("WOMAC", "function"),
    ("PGA", "total"),
)


def kept_column(instrument: str, key: str) -> str | None:
    """The column keeping the score `instrument`'s `key`, None when none keeps it."""
    if (instrument, key) not in KEPT_SCORES:
        return None
    return f"score_{instrument.lower()}_{key}"


class ScoreNumberText(Func):
    """The generated column's expression: `scores -> instrument -> key` as JSON text when it
    is a number, else NULL (and NULL when `scores` is not valid JSON, so no write fails)."""

    output_field = TextField()

    def __init__(self, instrument: str, key: str, **extra: Any) -> None:
        self.instrument, self.key = plain_code(instrument), plain_code(key)
        super().__init__(F("scores"), **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        scores, _ = compiler.compile(self.source_expressions[0])
        path = f'\'$."{self.instrument}"."{self.key}"\''
        # `->` gives the number's own text (json_extract would give SQLite's parse of it).
        return (
            f"CASE WHEN json_valid({scores}) THEN CASE WHEN json_type({scores}, {path}) "
            f"IN ('integer', 'real') THEN {scores} -> {path} END END",
            [],
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        scores, _ = compiler.compile(self.source_expressions[0])
        found = f"({scores} #> '{{{self.instrument},{self.key}}}')"
        return f"CASE WHEN jsonb_typeof({found}) = 'number' THEN {found}::text END", []

    def as_sql(self, *args: Any, **extra: Any) -> tuple[str, list]:
        raise NotSupportedError("the kept scores are written for SQLite and PostgreSQL")


def kept_score_field(instrument: str, key: str) -> GeneratedField:
    """The model field of a kept score (named by `kept_column`): stored, computed by the
    database from `scores` on every write."""
    return GeneratedField(
        expression=ScoreNumberText(instrument, key),
        output_field=TextField(null=True),
        db_persist=True,
    )

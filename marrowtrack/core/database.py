"""The query planner's statistics, refreshed after a bulk load (docs/performance.md).

Without statistics the planner guesses: SQLite keeps none until ``ANALYZE`` runs, and
PostgreSQL's autovacuum analyses a table only after enough changes and some time. Right after
the demo or a large import that guess sorted every plan instead of walking the plans index.
"""

from __future__ import annotations

from django.db import connections


def planner_statistics_refresh(using: str = "default") -> None:
    """Analyse every table of the database (both SQLite and PostgreSQL take bare ANALYZE)."""
    with connections[using].cursor() as cursor:
        cursor.execute("ANALYZE")

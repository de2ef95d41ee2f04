"""The query planner's statistics, refreshed after a bulk load (docs/performance.md).

Without statistics the planner guesses: SQLite keeps none until ``ANALYZE`` runs, and
PostgreSQL's autovacuum analyses a table only after enough changes and some time. Right after
the demo or a large import that guess sorted every plan instead of walking the plans index.
"""

from __future__ import annotations

from django.db import connections


def planner_statistics_refresh(using: str = "default") -> None:
    """Analyse every table of the database (both SQLite and PostgreSQL take bare ANALYZE).

    PostgreSQL also VACUUMs when not inside a transaction (VACUUM cannot run in one): that
    sets the visibility map, without which an index-only scan (the registry's read, ADR 0031)
    still visits the table page of every row it returns."""
    connection = connections[using]
    vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")

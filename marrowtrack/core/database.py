"""The query planner's statistics, refreshed after a bulk load (docs/performance.md).

Without statistics the planner guesses: SQLite keeps none until ``ANALYZE`` runs, and
PostgreSQL's autovacuum analyses a table only after enough changes and some time. Right after
the demo or a large import that guess sorted every plan instead of walking the plans index.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

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


@contextmanager
def planned_for_their_values(using: str = "default") -> Iterator[None]:
    """PostgreSQL: the statements run inside are planned for the values they carry, not
    taken from the connection's prepared statements (ADR 0037).

    A prepared statement ends up with one generic plan for every value, which is right for
    lookups by key and wrong where the best plan depends on the value: a name search reads
    the given-name index and sorts its matches for a rare prefix, and walks the list order
    for a common one ('jo': 5.3 ms planned per value, 16.5 ms with the generic plan at
    90,000 patients, docs/performance.md). psycopg skips preparing while the connection's
    `prepare_threshold` is None; the threshold is put back afterwards."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    driver = connection.connection
    before = driver.prepare_threshold
    driver.prepare_threshold = None
    try:
        yield
    finally:
        driver.prepare_threshold = before

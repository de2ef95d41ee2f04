"""Table exports beside CSV: Apache Parquet (docs/decisions/0028).

The same rows as the CSV, typed: a blank cell ("" in the CSV) is a null, numbers stay
numbers, and a column whose values mix kinds (a count beside a note) is kept as text, so a
reader in R, pandas or DuckDB gets the column types without guessing.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import pyarrow as pa
import pyarrow.parquet as pq


def _column(values: list[object]) -> pa.Array:
    cleaned = [None if v == "" else v for v in values]
    try:
        return pa.array(cleaned)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else str(v) for v in cleaned], type=pa.string())


def parquet_bytes(rows: Sequence[dict[str, object]], columns: Sequence[str]) -> bytes:
    """The rows as one Parquet file (column order as given)."""
    arrays = [_column([row.get(name, "") for row in rows]) for name in columns]
    table = pa.Table.from_arrays(arrays, names=list(columns))
    out = io.BytesIO()
    pq.write_table(table, out, compression="zstd")
    return out.getvalue()

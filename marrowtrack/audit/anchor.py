"""The audit anchor: an append-only file, outside the database, that records each chain's
latest (sequence, hash) as entries commit.

Someone who can write to the database can delete the newest entries and move the chain head
back, or delete everything, or rewrite every entry and re-hash the chain: the table alone
would still look consistent. The anchor is written by the application on each commit to a
file the database cannot reach, so `audit verify` compares the table with it
(docs/decisions/0007-audit-anchor-and-per-clinic-chains.md).

Each record is a line ``<chain key> <sequence> <sha256>``, appended with O_APPEND in one
short ``write`` (so concurrent workers do not interleave within a line); the newline is
written before the record, so a record cut short by a crash spoils only itself.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Anchor:
    sequence: int
    entry_hash: str


def anchor_path() -> Path:
    return Path(settings.MARROWTRACK_AUDIT_ANCHOR)


def anchor_append(*, chain_key: str, sequence: int, entry_hash: str) -> None:
    """Append one line. Called after commit; a failure is logged (verify then reports the
    chain's newest entries as not anchored) and never undoes the clinical write."""
    path = anchor_path()
    # The newline comes first: a record cut short by a crash cannot run into the next one.
    line = f"\n{chain_key} {sequence} {entry_hash}".encode("ascii")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
    except OSError:
        logger.exception("Could not append to the audit anchor %s", path)


def _parse(line: str) -> tuple[str, Anchor] | None:
    parts = line.split()
    if len(parts) != 3 or not parts[1].isdigit() or len(parts[2]) != 64:
        return None
    return parts[0], Anchor(int(parts[1]), parts[2])


def anchors_read() -> dict[str, Anchor] | None:
    """The highest anchored entry of each chain, or None when there is no anchor file."""
    path = anchor_path()
    if not path.exists():
        return None
    latest: dict[str, Anchor] = {}
    with path.open(encoding="ascii", errors="replace") as lines:
        for line in lines:
            parsed = _parse(line)
            if parsed is None:
                continue
            key, anchor = parsed
            if key not in latest or anchor.sequence > latest[key].sequence:
                latest[key] = anchor
    return latest

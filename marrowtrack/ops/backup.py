"""Backups that can be restored: the database and the audit anchor, with a manifest.

A backup is a directory::

    manifest.json        engine, time, the files' SHA-256, each table's row count
    audit-anchor.log     copied *before* the database, so every anchored entry is in it
    database.sqlite3     SQLite's online backup API: a consistent copy while the app writes
    database.pgdump      or pg_dump --format=custom (PostgreSQL), restored by pg_restore

The anchor is copied first because the application appends to it after each commit: a copy
taken after the database could name entries the database copy does not hold, and
`audit verify` would then rightly call the restored trail truncated. Restoring puts the
backup's anchor in place and keeps the one it replaces beside it (``.replaced-<time>``): a
restore rolls the trail back, and that must stay visible.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connections

MANIFEST = "manifest.json"
ANCHOR = "audit-anchor.log"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why."""


@dataclass(frozen=True)
class BackupResult:
    directory: Path
    engine: str
    tables: int
    rows: int


def backup_create(*, directory: Path, alias: str = "default") -> BackupResult:
    """Write a backup of the database ``alias`` and the audit anchor into ``directory``."""
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"{directory} is not empty: choose a new directory.")
    directory.mkdir(parents=True, exist_ok=True)
    anchor = Path(settings.MARROWTRACK_AUDIT_ANCHOR)
    if anchor.exists():
        shutil.copyfile(anchor, directory / ANCHOR)
    engine = _engine(alias)
    if engine == "sqlite":
        _sqlite_backup(alias, directory / SQLITE_FILE)
    else:
        dump = directory / PG_FILE
        _pg_run("pg_dump", ["--format=custom", "--no-owner", f"--file={dump}"], alias)
    counts = table_counts(alias)
    manifest = {
        "engine": engine,
        "created_at": datetime.now(tz=UTC).isoformat(),
        "files": {p.name: _sha256(p) for p in sorted(directory.iterdir())},
        "tables": counts,
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return BackupResult(directory, engine, len(counts), sum(counts.values()))


def backup_restore(*, directory: Path, alias: str = "default") -> BackupResult:
    """Replace the database ``alias`` and the audit anchor with the backup's."""
    manifest = _manifest_checked(directory)
    engine = _engine(alias)
    if manifest["engine"] != engine:
        raise BackupError(f"The backup is of {manifest['engine']}, this database is {engine}.")
    connections[alias].close()
    if engine == "sqlite":
        if _sqlite_counts(directory / SQLITE_FILE) != manifest["tables"]:
            raise BackupError("The backup's tables do not hold the rows its manifest lists.")
        _sqlite_restore(directory / SQLITE_FILE, alias)
    else:
        options = ["--clean", "--if-exists", "--no-owner", "--single-transaction"]
        _pg_run("pg_restore", [*options, str(directory / PG_FILE)], alias)
    _anchor_restore(directory / ANCHOR)
    counts = table_counts(alias)
    if counts != manifest["tables"]:
        raise BackupError("The restored tables do not hold the rows the manifest lists.")
    return BackupResult(directory, engine, len(counts), sum(counts.values()))


def table_counts(alias: str = "default") -> dict[str, int]:
    connection = connections[alias]
    with connection.cursor() as cursor:
        names = sorted(
            name
            for name in connection.introspection.table_names(cursor)
            if not name.startswith("sqlite_")  # SQLite's own (sequence, statistics)
        )
        counts = {}
        for name in names:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(name)}")  # noqa: S608
            counts[name] = cursor.fetchone()[0]
    return counts


def _engine(alias: str) -> str:
    vendor = connections[alias].vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {vendor}.")
    return vendor


def _sqlite_backup(alias: str, target: Path) -> None:
    source = sqlite3.connect(connections[alias].settings_dict["NAME"])
    destination = sqlite3.connect(target)
    try:
        with destination:
            source.backup(destination)
        # One self-contained file: no write-ahead log beside it to lose or to mismatch.
        destination.execute("PRAGMA journal_mode=DELETE")
    finally:
        destination.close()
        source.close()


def _sqlite_counts(path: Path) -> dict[str, int]:
    """Row counts read from the backup file itself, before anything is replaced."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        names = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {
            name: db.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]  # noqa: S608
            for name in sorted(names)
            if not name.startswith("sqlite_")
        }


def _sqlite_restore(source_file: Path, alias: str) -> None:
    """The backup API again, into the live file: readers never see a half-written database."""
    source = sqlite3.connect(source_file)
    destination = sqlite3.connect(connections[alias].settings_dict["NAME"], timeout=30)
    try:
        source.backup(destination)
    finally:
        destination.close()
        source.close()


def _pg_run(tool: str, args: list[str], alias: str) -> None:
    """pg_dump or pg_restore against the alias's database (``--dbname`` is the source of a
    dump and the target of a restore)."""
    db = connections[alias].settings_dict
    env = {**os.environ, "PGPASSWORD": str(db.get("PASSWORD") or "")}
    command = [_pg_tool(tool), *args, f"--dbname={db['NAME']}"]
    command += [f"--host={db.get('HOST') or 'localhost'}", f"--port={db.get('PORT') or 5432}"]
    command += [f"--username={db['USER']}"] if db.get("USER") else []
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{tool} failed: {done.stderr.strip()[:500]}")


def _pg_tool(tool: str) -> str:
    found = shutil.which(tool)
    if found:
        return found
    for version in ("17", "16", "15"):
        candidate = Path(f"/usr/lib/postgresql/{version}/bin/{tool}")
        if candidate.exists():
            return str(candidate)
    raise BackupError(f"{tool} is not installed (PostgreSQL client tools).")


def _anchor_restore(saved: Path) -> None:
    live = Path(settings.MARROWTRACK_AUDIT_ANCHOR)
    if live.exists():
        stamp = datetime.now(tz=UTC).strftime("%Y%m%dT%H%M%SZ")
        live.rename(live.with_name(f"{live.name}.replaced-{stamp}"))
    if saved.exists():
        live.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(saved, live)


def _manifest_checked(directory: Path) -> dict:
    path = directory / MANIFEST
    if not path.exists():
        raise BackupError(f"{directory} has no {MANIFEST}: not a MarrowTrack backup.")
    manifest = json.loads(path.read_text())
    extra = {p.name for p in directory.iterdir()} - set(manifest["files"]) - {MANIFEST}
    if extra:
        raise BackupError(f"{directory} holds files the backup did not write: {sorted(extra)}")
    for name, digest in manifest["files"].items():
        if _sha256(directory / name) != digest:
            raise BackupError(f"{name} does not match its checksum: the backup is damaged.")
    return manifest


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()

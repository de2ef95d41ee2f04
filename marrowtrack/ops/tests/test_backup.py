"""`marrowtrack backup` and `restore`: a round trip gives back every row of every table and
the audit anchor; a damaged or foreign backup is refused."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

from marrowtrack.ops.tests.conftest import Site


def _tables(database: Path) -> dict[str, list[tuple]]:
    with closing(sqlite3.connect(database)) as db:
        names = [
            row[0]
            for row in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {name: db.execute(f'SELECT * FROM "{name}" ORDER BY 1').fetchall() for name in names}  # noqa: S608


def test_a_backup_restores_every_table_and_the_anchor(site_copy: Site, tmp_path: Path) -> None:
    before, anchor = _tables(site_copy.database), (site_copy.root / "audit-anchor.log").read_text()
    backup = tmp_path / "backup"
    made = site_copy.run("backup", "--to", str(backup))
    assert made.returncode == 0, made.stderr
    assert "Backed up sqlite" in made.stdout
    assert json.loads((backup / "manifest.json").read_text())["tables"]["patients_patient"] > 0

    _damage(site_copy)
    restored = site_copy.run("restore", str(backup), "--yes")
    assert restored.returncode == 0, restored.stderr

    after = _tables(site_copy.database)
    assert sorted(after) == sorted(before)
    assert [name for name in before if before[name] != after[name]] == []
    assert (site_copy.root / "audit-anchor.log").read_text() == anchor
    assert list(site_copy.root.glob("audit-anchor.log.replaced-*")), "the replaced anchor is kept"
    verify = site_copy.run("audit", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr


def _damage(site: Site) -> None:
    with closing(sqlite3.connect(site.database)) as db, db:
        db.execute("DELETE FROM patients_allergy")
        db.execute("UPDATE patients_patient SET family_name = 'Changed'")
    with (site.root / "audit-anchor.log").open("a") as anchor:
        anchor.write("\nsystem 999999 " + "0" * 64)


def test_a_damaged_backup_is_refused_and_changes_nothing(site_copy: Site, tmp_path: Path) -> None:
    backup, empty = tmp_path / "backup", tmp_path / "empty"
    empty.mkdir()
    assert site_copy.run("backup", "--to", str(backup)).returncode == 0
    for args, message in [
        (["restore", str(backup)], "add --yes"),
        (["restore", str(empty), "--yes"], "not a MarrowTrack backup"),
        (["backup", "--to", str(backup)], "is not empty"),
    ]:
        done = site_copy.run(*args)
        assert done.returncode == 2 and message in done.stderr, (args, done.stderr)

    with closing(sqlite3.connect(backup / "database.sqlite3")) as db, db:
        db.execute("DELETE FROM patients_allergy")
    before = _tables(site_copy.database)
    refused = site_copy.run("restore", str(backup), "--yes")
    assert refused.returncode == 2 and "does not match its checksum" in refused.stderr
    assert _tables(site_copy.database) == before

"""Database settings: SQLite keeps its connections like PostgreSQL (no new connection and
four PRAGMAs per request) and keeps WAL, foreign keys, the busy timeout and IMMEDIATE."""

from __future__ import annotations

from pathlib import Path

import config.settings as production_settings


def test_sqlite_connections_persist_with_health_checks(tmp_path: Path) -> None:
    config = production_settings._database_config(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["CONN_MAX_AGE"] > 0
    assert config["CONN_HEALTH_CHECKS"] is True


def test_sqlite_keeps_its_pragmas_and_immediate_transactions(tmp_path: Path) -> None:
    options = production_settings._database_config(f"sqlite:///{tmp_path / 'db.sqlite3'}")[
        "OPTIONS"
    ]
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=10000"):
        assert pragma in options["init_command"]
    assert options["transaction_mode"] == "IMMEDIATE"


def test_postgresql_connections_persist_the_same_way() -> None:
    config = production_settings._database_config("postgresql://u:p@127.0.0.1:5432/db")
    assert (
        config["CONN_MAX_AGE"]
        == production_settings._database_config("sqlite:///x.sqlite3")["CONN_MAX_AGE"]
    )

"""Database settings: SQLite keeps its connections like PostgreSQL (no new connection and
four PRAGMAs per request) and keeps WAL, foreign keys, the busy timeout and IMMEDIATE."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection

import config.settings as production_settings

# psycopg prepares a statement once a connection has run it this many times (settings).
PREPARE_AFTER = 5


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


def test_postgresql_binds_parameters_on_the_server(monkeypatch) -> None:
    monkeypatch.delenv("MARROWTRACK_PG_SERVER_BINDING", raising=False)
    config = production_settings._database_config("postgresql://u:p@127.0.0.1:5432/db")
    assert config["OPTIONS"]["server_side_binding"] is True
    assert config["OPTIONS"]["prepare_threshold"] == PREPARE_AFTER


def test_server_binding_can_be_turned_off_for_a_pooler(monkeypatch) -> None:
    monkeypatch.setenv("MARROWTRACK_PG_SERVER_BINDING", "off")
    config = production_settings._database_config("postgresql://u:p@127.0.0.1:5432/db")
    assert "server_side_binding" not in config.get("OPTIONS", {})


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_statement_run_again_and_again_is_prepared_on_the_server() -> None:
    """Server-side binding is what lets psycopg prepare: the server keeps the plan."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    marker = "prepared_statement_probe"
    with connection.cursor() as cursor:
        for value in range(PREPARE_AFTER + 1):
            cursor.execute(f"SELECT %s::int AS {marker}", [value])
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            [f"%{marker}%"],
        )
        assert cursor.fetchone()[0] == 1

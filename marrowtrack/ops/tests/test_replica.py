"""A PostgreSQL primary and a streaming replica, started here: analytics reads go to the
replica and writes to the primary (marrowtrack.ops.routers; docs/deploy.md).

Built with the PostgreSQL 15 server binaries (initdb, pg_ctl, pg_basebackup) in a temporary
directory on free loopback ports, as the ``postgres`` user when the tests run as root. The
proof that a read went to the replica: replay is paused there, so a row written afterwards
to the primary is visible through ``default`` and invisible through the routed read.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from marrowtrack.ops.server import ROOT, free_port

pytestmark = pytest.mark.postgres
PG_BIN = Path(os.environ.get("MARROWTRACK_PG_BIN", "/usr/lib/postgresql/15/bin"))

PROBE = """
import json, time
import django
django.setup()
from django.contrib.contenttypes.models import ContentType
from django.db import connection, connections, router
from marrowtrack.core.models import Clinic
from marrowtrack.ops.routers import replica_reads

with connection.schema_editor() as editor:  # two tables are enough; the replica copies them
    editor.create_model(ContentType)
    editor.create_model(Clinic)
first = Clinic.objects.create(name="Before the pause", code="before", facility_code="B0001")
for _ in range(200):
    if Clinic.objects.using("replica").filter(code="before").exists():
        break
    time.sleep(0.05)
with connections["replica"].cursor() as cursor:
    cursor.execute("SELECT pg_is_in_recovery()")
    in_recovery = cursor.fetchone()[0]
    cursor.execute("SELECT pg_wal_replay_pause()")
Clinic.objects.create(name="After the pause", code="after", facility_code="A0001")
with replica_reads():
    list(ContentType.objects.all())  # a model of any app, inside replica_reads()
    types_db = ContentType.objects.all().db
print(json.dumps({
    "replica_in_recovery": in_recovery,
    "routed_read_db": Clinic.objects.all().db,
    "write_db": router.db_for_write(Clinic),
    "routed_sees_before": Clinic.objects.filter(code="before").exists(),
    "routed_sees_after": Clinic.objects.filter(code="after").exists(),
    "primary_sees_after": Clinic.objects.using("default").filter(code="after").exists(),
    "replica_reads_db": types_db,
    "other_app_db": ContentType.objects.all().db,
}))
"""


def _as_postgres(*command: str | Path, cwd: Path) -> None:
    args = [str(part) for part in command]
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=120)  # noqa: S603
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture
def primary_and_replica() -> Iterator[tuple[int, int]]:
    if not (PG_BIN / "initdb").exists():
        pytest.fail(f"PostgreSQL server binaries are missing in {PG_BIN}")
    # Not pytest's tmp_path: its parents are private to root, and the servers run as postgres.
    tmp_path = Path(tempfile.mkdtemp(prefix="marrowtrack-replica-"))
    if os.geteuid() == 0:
        shutil.chown(tmp_path, "postgres")
    try:
        yield from _servers(tmp_path)
    finally:
        shutil.rmtree(tmp_path, ignore_errors=True)


def _servers(tmp_path: Path) -> Iterator[tuple[int, int]]:
    primary, replica = tmp_path / "primary", tmp_path / "replica"
    ports = free_port(), free_port()
    _as_postgres(PG_BIN / "initdb", "-D", primary, "-U", "postgres", "-A", "trust", cwd=tmp_path)
    with (primary / "postgresql.conf").open("a") as conf:
        conf.write(_conf(ports[0], tmp_path))
    _as_postgres(PG_BIN / "pg_ctl", "-D", primary, "-l", tmp_path / "primary.log", "-w", "start",
                 cwd=tmp_path)  # fmt: skip
    try:
        _as_postgres(PG_BIN / "pg_basebackup", "-h", "127.0.0.1", "-p", ports[0], "-U",
                     "postgres", "-D", replica, "-R", "-X", "stream", cwd=tmp_path)  # fmt: skip
        with (replica / "postgresql.auto.conf").open("a") as conf:
            conf.write(f"\nport = {ports[1]}\n")
        _as_postgres(PG_BIN / "pg_ctl", "-D", replica, "-l", tmp_path / "replica.log", "-w",
                     "start", cwd=tmp_path)  # fmt: skip
        yield ports
    finally:
        for directory in (replica, primary):
            if (directory / "postmaster.pid").exists():
                _as_postgres(PG_BIN / "pg_ctl", "-D", directory, "-m", "immediate", "stop",
                             cwd=tmp_path)  # fmt: skip


def _conf(port: int, sockets: Path) -> str:
    return (
        f"\nport = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{sockets}'\n"
        "wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\nfsync = off\n"
    )


def test_analytics_reads_go_to_the_replica_and_writes_to_the_primary(primary_and_replica):
    primary, replica = primary_and_replica
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "MARROWTRACK_"))},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{primary}/postgres",
        "MARROWTRACK_REPLICA_URL": f"postgresql://postgres@127.0.0.1:{replica}/postgres",
        "MARROWTRACK_REPLICA_APPS": "core",  # stands in for analytics and interop here
        "MARROWTRACK_LOG_LEVEL": "WARNING",
    }
    done = subprocess.run(  # noqa: S603 - our interpreter, our probe
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen == {
        "replica_in_recovery": True,
        "routed_read_db": "replica",
        "write_db": "default",
        "routed_sees_before": True,
        "routed_sees_after": False,  # replay is paused: the read really was on the replica
        "primary_sees_after": True,
        "replica_reads_db": "replica",
        "other_app_db": "default",
    }

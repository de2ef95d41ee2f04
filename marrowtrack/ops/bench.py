"""The `load` and `crash` parts of `marrowtrack bench` (the command lives with `search`, in
patients; these only add their arguments and run)."""

from __future__ import annotations

import asyncio
from typing import Any

from django.core.management.base import CommandError, CommandParser

from marrowtrack.ops.loadtest import Users, bench_load, report_lines


def load_arguments(parser: CommandParser) -> None:
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="a loopback server")
    parser.add_argument("--clients", default="25,50", help="concurrencies, e.g. 10,25,50")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each round")
    parser.add_argument("--rounds", type=int, default=1, help="mix/ceiling pairs per clients")
    parser.add_argument("--password", default=Users.password, help="the users' password")
    parser.add_argument("--seed", type=int, default=7)


def load_run(options: dict[str, Any], write: Any) -> None:
    try:
        clients = [int(part) for part in str(options["clients"]).split(",") if part.strip()]
        if not clients or min(clients) < 1:
            raise ValueError
    except ValueError as exc:
        raise CommandError("--clients is a list of positive numbers, e.g. 25,50") from exc
    try:
        results = asyncio.run(
            bench_load(
                url=options["url"],
                clients=clients,
                seconds=options["seconds"],
                users=Users(password=options["password"]),
                rounds=options["rounds"],
                seed=options["seed"],
            )
        )
    except (ValueError, RuntimeError, OSError) as exc:
        raise CommandError(str(exc), returncode=2) from exc
    for result in results:
        for line in report_lines(result):
            write(line)


def crash_arguments(parser: CommandParser) -> None:
    parser.add_argument("--rounds", type=int, default=3, help="kill and restart this often")
    parser.add_argument("--seconds", type=float, default=10.0, help="writing before each kill")
    parser.add_argument("--writers", type=int, default=4, help="concurrent writers")
    parser.add_argument("--user", default="desk", help="registers the patients (front desk)")
    parser.add_argument("--password", default=Users.password)


def crash_run(options: dict[str, Any], write: Any) -> None:
    """Starts its own gunicorn on a free loopback port against the configured database:
    run it on a copy (`marrowtrack backup`, then `restore` elsewhere), it adds patients."""
    import os
    import tempfile
    from pathlib import Path

    from marrowtrack.ops.crashtest import crash_round

    log = Path(tempfile.mkstemp(prefix="marrowtrack-crash-", suffix=".log")[1])
    failed = False
    for number in range(1, options["rounds"] + 1):
        result = crash_round(
            env=dict(os.environ),
            log=log,
            seconds=options["seconds"],
            writers=options["writers"],
            user=options["user"],
            password=options["password"],
        )
        failed |= bool(result.missing) or not result.verify_ok
        write(
            f"round {number}: {result.acknowledged} writes acknowledged before SIGKILL, "
            f"{len(result.missing)} missing after restart, audit verify "
            f"{'passed' if result.verify_ok else 'FAILED'}"
        )
    write(f"server log: {log}")
    if failed:
        raise CommandError("Acknowledged writes were lost or the audit trail failed to verify.")

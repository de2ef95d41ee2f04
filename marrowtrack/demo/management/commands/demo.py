"""`marrowtrack demo [--patients N] [--seed S] [--if-empty]`: load the demo clinic."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from marrowtrack.core.database import planner_statistics_refresh
from marrowtrack.core.exceptions import DomainError
from marrowtrack.demo.clinic import DEMO_PASSWORD, STAFF
from marrowtrack.demo.loader import database_is_empty, demo_load


class Command(BaseCommand):
    help = "Load the demo clinic (synthetic patients) into an empty database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--patients", type=int, default=40, help="number of patients")
        parser.add_argument(
            "--seed", type=int, default=1, help="random seed (same seed, same data)"
        )
        parser.add_argument("--if-empty", action="store_true", help="do nothing if data exists")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("The demo never loads into a production installation.")
        if options["if_empty"] and not database_is_empty():
            self.stdout.write("Database already has data; demo not loaded again.")
            self.print_logins()
            return
        started = time.perf_counter()
        try:
            ctx = demo_load(patients=options["patients"], seed=options["seed"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        seconds = time.perf_counter() - started
        analysed = time.perf_counter()
        planner_statistics_refresh()  # list pages use their indexes from the first request
        for line in ctx.log:
            self.stdout.write(f"  {line}")
        self.stdout.write(f"Demo clinic loaded in {seconds:.1f} s (seed {options['seed']}).")
        self.stdout.write(
            f"Planner statistics refreshed in {time.perf_counter() - analysed:.1f} s."
        )
        self.print_logins()

    def print_logins(self) -> None:
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, role, *_ in STAFF:
            self.stdout.write(f"  {username:<16} {role.label}")
        self.stdout.write(f"  {'northgate_nurse':<16} Nurse at the second clinic (Northgate)")

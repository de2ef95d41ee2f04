"""Runs the demo steps in one transaction and records one audit entry for the load."""

from __future__ import annotations

import random
from collections.abc import Callable

from django.db import transaction
from django.utils.module_loading import import_string

from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.services import event_record
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError
from marrowtrack.core.models import Clinic
from marrowtrack.demo.context import DemoContext

# The clinic and its patients, then each app's data in dependency order (a later step
# reads what an earlier one wrote). A new app adds `demo/<app>.py` with `seed(ctx)` here.
STEPS: list[str] = [
    "marrowtrack.demo.clinic.seed",
    "marrowtrack.demo.patients.seed",
    "marrowtrack.demo.intake.seed",
    "marrowtrack.demo.procedures.seed",
    "marrowtrack.demo.outcomes.seed",
    "marrowtrack.demo.recovery.seed",
]


def demo_steps() -> list[Callable[[DemoContext], None]]:
    return [import_string(path) for path in STEPS]


def database_is_empty() -> bool:
    return not Clinic.objects.exists()


def demo_load(*, patients: int = 40, seed: int = 1) -> DemoContext:
    """Load the demo clinic into an empty database; refuse if any clinic exists."""
    if patients < 1 or patients > 1_000_000:
        raise DomainError("--patients must be between 1 and 1,000,000.")
    if not database_is_empty():
        raise DomainError("The database already holds clinics; the demo loads only when empty.")
    ctx = DemoContext(seed=seed, patients=patients, today=clock.today(), rng=random.Random(seed))
    with transaction.atomic():
        for step in demo_steps():
            step(ctx)
        event_record(
            actor=None,
            action=AuditAction.CREATE,
            target="demo.dataset",
            changes={"loaded": ctx.log, "seed": seed},
            clinic=ctx.clinic,
            actor_label="demo loader",
        )
    return ctx

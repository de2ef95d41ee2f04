from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date

from marrowtrack.accounts.models import User
from marrowtrack.core.models import Clinic


@dataclass
class DemoContext:
    """What each demo step receives: the clinics, staff by role and the random source."""

    seed: int
    patients: int
    today: date
    rng: random.Random
    clinic: Clinic | None = None
    other_clinic: Clinic | None = None
    staff: dict[str, User] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # what each step wrote, for its log

    def uuid(self) -> uuid.UUID:
        """A UUID4 drawn from the seeded generator, so the same seed gives the same ids."""
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

"""Intake fixtures: a clinic open Monday to Friday 08:00-17:00, its rooms and team, and
an approved BMAC plan. Time is frozen on Monday 2 March 2026, 07:00 in New York."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from marrowtrack.accounts.models import User
from marrowtrack.core.models import Clinic
from marrowtrack.facilities.models import Equipment, Room
from marrowtrack.intake.models import TreatmentPlan
from marrowtrack.intake.services.booking import Team
from marrowtrack.intake.tests.factories import (
    CentrifugeFactory,
    HoursFactory,
    LabValueFactory,
    PlanFactory,
    RoomFactory,
)
from marrowtrack.patients.models import Patient
from marrowtrack.testing.factories import WeightFactory

NY = ZoneInfo("America/New_York")
MONDAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 7, 0, tzinfo=NY)


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=NY)


@pytest.fixture(autouse=True)
def frozen_time() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@dataclass
class Facility:
    fluoro_room: Room
    plain_room: Room
    centrifuge: Equipment
    physician: User
    nurse: User
    lab_tech: User

    def team(self, **overrides: object) -> Team:
        values = {
            "room": self.fluoro_room,
            "physician": self.physician,
            "nurse": self.nurse,
            "centrifuge": self.centrifuge,
            "lab_tech": self.lab_tech,
            **overrides,
        }
        return Team(**values)  # type: ignore[arg-type]


@pytest.fixture
def facility(clinic: Clinic, staff: dict[str, User]) -> Facility:
    for weekday in range(5):
        HoursFactory(clinic=clinic, weekday=weekday)
    return Facility(
        fluoro_room=RoomFactory(clinic=clinic, name="Fluoro room"),
        plain_room=RoomFactory(clinic=clinic, name="Injection room", has_fluoroscopy=False),
        centrifuge=CentrifugeFactory(clinic=clinic, name="Centrifuge A"),
        physician=staff["physician"],
        nurse=staff["nurse"],
        lab_tech=staff["lab_tech"],
    )


@pytest.fixture
def clean_patient(patient: Patient) -> Patient:
    """Weighed, measured and with a recent platelet count: no default rule objects."""
    patient.height_cm = Decimal("165")
    patient.save(update_fields=["height_cm"])
    WeightFactory(patient=patient, measured_on=MONDAY)
    LabValueFactory(patient=patient, taken_on=MONDAY, value=220)
    return patient


@pytest.fixture
def make_plan(clean_patient: Patient, staff: dict[str, User]) -> Callable[..., TreatmentPlan]:
    def make(**kwargs: object) -> TreatmentPlan:
        values = {"patient": clean_patient, "created_by": staff["nurse"], **kwargs}
        return PlanFactory(**values)

    return make


@pytest.fixture
def approved_plan(make_plan: Callable[..., TreatmentPlan]) -> TreatmentPlan:
    return make_plan(status=TreatmentPlan.Status.APPROVED)

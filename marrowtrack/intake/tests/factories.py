"""factory_boy factories for intake tests."""

from __future__ import annotations

from datetime import time

import factory
from factory.django import DjangoModelFactory

from marrowtrack.facilities.models import Equipment, Room
from marrowtrack.intake.models import (
    LabValue,
    PriorTreatment,
    TreatmentPlan,
    WorkingHours,
)
from marrowtrack.testing.factories import PatientFactory, UserFactory


class PlanFactory(DjangoModelFactory):
    class Meta:
        model = TreatmentPlan

    patient = factory.SubFactory(PatientFactory)
    condition = "knee_oa"
    target = "knee"
    laterality = "left"
    treatment = "bmac"
    kellgren_lawrence_grade = 2
    harvest_side = factory.LazyAttribute(
        lambda o: "right" if o.treatment.startswith("bmac") else ""
    )
    harvest_anticoagulant = factory.LazyAttribute(
        lambda o: "acd_a" if o.treatment.startswith("bmac") else ""
    )
    guidance = factory.LazyAttribute(lambda o: "fluoro" if o.treatment.startswith("bmac") else "")
    created_by = factory.SubFactory(UserFactory, clinic=factory.SelfAttribute("..patient.clinic"))


class PriorFactory(DjangoModelFactory):
    class Meta:
        model = PriorTreatment

    plan = factory.SubFactory(PlanFactory)
    kind = "injection"
    drug = "corticosteroid"
    target = "knee"
    laterality = "left"


class LabValueFactory(DjangoModelFactory):
    class Meta:
        model = LabValue

    patient = factory.SubFactory(PatientFactory)
    test = "platelets"
    value = 220
    unit = "×10^9/L"
    entered_by = factory.SubFactory(UserFactory, clinic=factory.SelfAttribute("..patient.clinic"))


class RoomFactory(DjangoModelFactory):
    class Meta:
        model = Room

    name = factory.Sequence(lambda n: f"Procedure room {n}")
    kind = "procedure"
    has_fluoroscopy = True


class CentrifugeFactory(DjangoModelFactory):
    class Meta:
        model = Equipment

    name = factory.Sequence(lambda n: f"Centrifuge {n}")
    kind = "centrifuge"


class HoursFactory(DjangoModelFactory):
    class Meta:
        model = WorkingHours

    weekday = 0
    starts = time(8, 0)
    ends = time(17, 0)

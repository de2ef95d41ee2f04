"""factory_boy factories shared by every app's tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import factory
from factory.django import DjangoModelFactory

from marrowtrack.accounts.models import User
from marrowtrack.accounts.roles import role_group
from marrowtrack.core.models import Clinic
from marrowtrack.patients.models import Allergy, Condition, Medication, Patient, WeightMeasurement

PASSWORD = "correct-horse-battery"  # noqa: S105 - test accounts only


class ClinicFactory(DjangoModelFactory):
    class Meta:
        model = Clinic

    name = factory.Sequence(lambda n: f"Clinic {n}")
    code = factory.Sequence(lambda n: f"clinic{n}")
    facility_code = factory.Sequence(lambda n: f"T{n:04d}")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    clinic = factory.SubFactory(ClinicFactory)
    display_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **kwargs: Any) -> None:
        if extracted:
            self.groups.add(role_group(extracted))
        if create:
            self.save()


class PatientFactory(DjangoModelFactory):
    class Meta:
        model = Patient

    clinic = factory.SubFactory(ClinicFactory)
    mrn = factory.Sequence(lambda n: f"MT{n + 1:07d}")
    family_name = factory.Faker("last_name")
    given_name = factory.Faker("first_name")
    date_of_birth = date(1960, 5, 17)
    sex = "female"


class WeightFactory(DjangoModelFactory):
    class Meta:
        model = WeightMeasurement

    patient = factory.SubFactory(PatientFactory)
    weight_kg = Decimal("72.5")
    measured_on = date(2026, 11, 1)


class MedicationFactory(DjangoModelFactory):
    class Meta:
        model = Medication

    patient = factory.SubFactory(PatientFactory)
    name = "Ibuprofen"
    drug_class = "nsaid"
    dose = "400 mg"


class AllergyFactory(DjangoModelFactory):
    class Meta:
        model = Allergy

    patient = factory.SubFactory(PatientFactory)
    category = "drug"
    substance = "Penicillin"


class ConditionFactory(DjangoModelFactory):
    class Meta:
        model = Condition

    patient = factory.SubFactory(PatientFactory)
    kind = "pregnancy"

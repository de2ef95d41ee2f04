"""A prepared query returns what the ORM's own query returns, and builds its SQL once."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from marrowtrack.accounts.models import ApiToken
from marrowtrack.audit.models import AuditChainHead
from marrowtrack.core import clock
from marrowtrack.core.prepared import PreparedSelect
from marrowtrack.patients.models import Patient, WeightMeasurement
from marrowtrack.testing.factories import PatientFactory, UserFactory, WeightFactory

pytestmark = pytest.mark.django_db


def _fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def _token_query(key_hash: str):
    return ApiToken.objects.select_related("user", "user__clinic").filter(key_hash=key_hash)


TOKEN = PreparedSelect(_token_query, key_hash=ApiToken._meta.get_field("key_hash"))


def test_a_token_with_its_user_and_clinic_is_what_the_orm_reads(clinic) -> None:
    user = UserFactory(clinic=clinic)
    token = ApiToken.objects.create(
        user=user, key_hash="a" * 64, expires_at=clock.now() + timedelta(hours=1)
    )
    ApiToken.objects.create(user=user, key_hash="b" * 64, expires_at=clock.now())

    [prepared] = TOKEN.fetch(key_hash=token.key_hash)
    [orm] = _token_query(token.key_hash)

    assert _fields(prepared) == _fields(orm)
    assert _fields(prepared.user) == _fields(orm.user)
    assert _fields(prepared.user.clinic) == _fields(orm.user.clinic)
    # Converted as the ORM converts: an aware datetime, a UUID, not the stored text.
    assert prepared.expires_at.tzinfo is not None
    assert isinstance(prepared.public_id, uuid.UUID)
    assert not prepared._state.adding
    assert TOKEN.fetch(key_hash="c" * 64) == []


def test_several_parameters_and_a_uuid_parameter(clinic, other_clinic) -> None:
    patient = PatientFactory(clinic=clinic)
    PatientFactory(clinic=clinic)
    query = PreparedSelect(
        lambda public_id, clinic_id: Patient.objects.filter(
            public_id=public_id, clinic_id=clinic_id
        ),
        public_id=Patient._meta.get_field("public_id"),
        clinic_id=Patient._meta.get_field("clinic"),
    )

    assert [p.pk for p in query.fetch(public_id=patient.public_id, clinic_id=clinic.pk)] == [
        patient.pk
    ]
    # The text form of the id, as a URL gives it, finds the same patient.
    assert query.fetch(public_id=str(patient.public_id), clinic_id=clinic.pk)[0] == patient
    assert query.fetch(public_id=patient.public_id, clinic_id=other_clinic.pk) == []
    assert query.fetch(public_id=uuid.uuid4(), clinic_id=clinic.pk) == []


def test_rows_come_in_the_models_order_like_the_orms(patient) -> None:
    for day in (3, 1, 2):
        WeightFactory(patient=patient, measured_on=clock.now().date() - timedelta(days=day))
    WeightFactory(patient=PatientFactory(clinic=patient.clinic))
    query = PreparedSelect(
        lambda patient_id: WeightMeasurement.objects.filter(patient_id=patient_id),
        patient_id=WeightMeasurement._meta.get_field("patient"),
    )
    prepared = [w.pk for w in query.fetch(patient_id=patient.pk)]
    assert prepared == [w.pk for w in WeightMeasurement.objects.filter(patient=patient)]
    assert len(prepared) == 3


def test_the_sql_is_built_once_and_each_fetch_is_one_query(clinic) -> None:
    built = []

    def build(key: str):
        built.append(key)
        return AuditChainHead.objects.select_for_update().filter(key=key)

    query = PreparedSelect(build, key=AuditChainHead._meta.get_field("key"))
    AuditChainHead.objects.create(key="chain-a")
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            assert [h.key for h in query.fetch(key="chain-a")] == ["chain-a"]
    selects = [q for q in queries if "audit_auditchainhead" in q["sql"]]
    assert len(selects) == 3
    assert len(built) <= 2  # once to learn the model, once to compile on this connection
    if connection.features.has_select_for_update:
        assert all("FOR UPDATE" in q["sql"] for q in selects)


def test_a_query_that_ignores_its_parameter_or_annotates_is_refused() -> None:
    ignores = PreparedSelect(
        lambda key: AuditChainHead.objects.filter(key="fixed"),
        key=AuditChainHead._meta.get_field("key"),
    )
    with pytest.raises(ValueError, match="does not use its parameter"):
        ignores.fetch(key="x")
    annotated = PreparedSelect(
        lambda key: AuditChainHead.objects.filter(key=key).annotate(n=Count("events")),
        key=AuditChainHead._meta.get_field("key"),
    )
    with pytest.raises(ValueError, match="plain model queries"):
        annotated.fetch(key="x")


def test_a_value_inside_a_range_end_and_a_like_pattern_is_escaped_as_the_orm_does(
    clinic,
) -> None:
    for family in ("Ha_rt", "Hart", "Ha%x", "Hax"):
        PatientFactory(clinic=clinic, family_name=family)

    def build(prefix: str):
        return Patient.objects.filter(
            family_name__gte=prefix,
            family_name__lt=prefix + "\U0010ffff",
            family_name__startswith=prefix,
        ).order_by("family_name")

    query = PreparedSelect(build, prefix=Patient._meta.get_field("family_name"))
    for prefix in ("Ha_", "Ha%", "Ha", "H\\", "Hart"):
        assert [p.pk for p in query.fetch(prefix=prefix)] == [p.pk for p in build(prefix)]
    assert [p.family_name for p in query.fetch(prefix="Ha_")] == ["Ha_rt"]

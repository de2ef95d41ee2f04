"""A prepared query returns what the ORM's own query returns, and builds its SQL once."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.models import Count, signals
from django.test.utils import CaptureQueriesContext

from marrowtrack.accounts.models import ApiToken
from marrowtrack.audit.models import AuditChainHead, AuditEvent
from marrowtrack.core import clock
from marrowtrack.core.prepared import PreparedInsert, PreparedSelect
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


def _audit_entry(head: AuditChainHead, sequence: int, actor) -> AuditEvent:
    return AuditEvent(
        chain=head,
        sequence=sequence,
        occurred_at=clock.now(),
        actor=actor,
        actor_label="Nurse Ratched",
        clinic=actor.clinic,
        action="view",
        name="patient.view",
        entity="patient",
        entity_id=str(uuid.uuid4()),
        patient_id="",
        changes={"weight": {"old": None, "new": "71.5"}, "née": ["a", 2, None]},
        extra={"via": "api", "ratio": 0.25},
        reason="",
        prev_hash="0" * 64,
        entry_hash="f" * 64,
    )


def test_a_prepared_insert_stores_what_save_stores(clinic) -> None:
    actor = UserFactory(clinic=clinic)
    head = AuditChainHead.objects.create(key="chain-insert", clinic=clinic)
    saved, inserted = _audit_entry(head, 1, actor), _audit_entry(head, 2, actor)
    inserted.occurred_at, inserted.entity_id = saved.occurred_at, saved.entity_id
    with transaction.atomic():
        saved.save()
        PreparedInsert(AuditEvent).insert(inserted)
    assert inserted.pk is not None and inserted.pk != saved.pk
    assert not inserted._state.adding
    stored = {e.sequence: _fields(e) for e in AuditEvent.objects.filter(chain=head)}
    differ = {"id", "sequence"}
    assert {k: v for k, v in stored[2].items() if k not in differ} == {
        k: v for k, v in stored[1].items() if k not in differ
    }
    assert stored[2]["id"] == inserted.pk


def test_an_audit_entry_is_inserted_without_building_its_insert_again(clinic, monkeypatch) -> None:
    """event_record writes every record view's entry: its INSERT is compiled once per
    connection (issue 17), not on every call as `save()` does."""
    from django.db.models.sql.compiler import SQLInsertCompiler

    from marrowtrack.audit.services import event_record

    actor = UserFactory(clinic=clinic)
    with transaction.atomic():
        event_record(actor=actor, action="view", target="warm-up")
    compiled = []
    as_sql = SQLInsertCompiler.as_sql
    monkeypatch.setattr(
        SQLInsertCompiler,
        "as_sql",
        lambda self, *a, **k: compiled.append(1) or as_sql(self, *a, **k),
    )
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        for n in range(3):
            event_record(actor=actor, action="view", target=f"entry {n}")
    assert compiled == []
    assert len([q for q in queries if q["sql"].startswith("INSERT")]) == 3
    assert AuditEvent.objects.filter(entity__startswith="entry").count() == 3


def test_a_prepared_insert_refuses_a_stored_row_and_a_model_with_save_receivers(clinic) -> None:
    actor = UserFactory(clinic=clinic)
    head = AuditChainHead.objects.create(key="chain-refuse", clinic=clinic)
    entry = _audit_entry(head, 1, actor)
    with transaction.atomic():
        PreparedInsert(AuditEvent).insert(entry)
        with pytest.raises(ValueError, match="new rows"):
            PreparedInsert(AuditEvent).insert(entry)
    received = []

    def receiver(**kwargs):
        received.append(kwargs)

    signals.post_save.connect(receiver, sender=AuditChainHead)
    try:
        with pytest.raises(ValueError, match="signal receivers"):
            PreparedInsert(AuditChainHead).insert(AuditChainHead(key="chain-signal"))
    finally:
        signals.post_save.disconnect(receiver, sender=AuditChainHead)

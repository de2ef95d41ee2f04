"""One source per vocabulary (issue 12 item 4): the API's `Literal`s, the forms' field lists
and the apps' role tables say what the models' choices and the services' field tuples say.

A test per vocabulary, rather than deriving each `Literal` at run time: mypy checks a written
`Literal`, and a drift shows here as the exact values that differ."""

from __future__ import annotations

import importlib
import inspect
import typing
from typing import Any

import pytest
from django.db import models
from ninja import Schema

from marrowtrack.accounts.roles import Role
from marrowtrack.core.discovery import app_modules
from marrowtrack.intake import forms as intake_forms
from marrowtrack.intake.models import (
    EligibilityDecision,
    LabValue,
    PriorTreatment,
    TreatmentPlan,
)
from marrowtrack.intake.services import plans as plan_services
from marrowtrack.lab.models import CustodyEvent, LateResult, ProcessingRun
from marrowtrack.outcomes.models import Reintervention, SurveyResponse
from marrowtrack.patients import forms as patient_forms
from marrowtrack.patients import services as patient_services
from marrowtrack.patients.models import Allergy, Condition, Medication, Patient
from marrowtrack.procedures.models import BedsideCheck, Injection
from marrowtrack.recovery.models import AdverseEvent, AdverseEventAddendum

SCHEMA_MODULES = [
    "patients",
    "intake",
    "lab",
    "outcomes",
    "procedures",
    "procedures.bedside",
    "recovery",
    "facilities",
    "portal",
]
# Which model each schema with a `Literal` writes (or, for an `Out`, reads).
WRITES: dict[str, type[models.Model]] = {
    "PatientIn": Patient,
    "PatientPatch": Patient,
    "AllergyIn": Allergy,
    "MedicationIn": Medication,
    "MedicationPatch": Medication,
    "ConditionIn": Condition,
    "PlanIn": TreatmentPlan,
    "PlanPatch": TreatmentPlan,
    "PriorIn": PriorTreatment,
    "LabValueIn": LabValue,
    "DecisionIn": EligibilityDecision,
    "CustodyIn": CustodyEvent,
    "RunIn": ProcessingRun,
    "LateResultIn": LateResult,
    "TranscriptionIn": SurveyResponse,
    "ReinterventionIn": Reintervention,
    "BedsideIn": BedsideCheck,
    "InjectionIn": Injection,
    "AdverseEventIn": AdverseEvent,
    "AdverseEventUpdateIn": AdverseEvent,
    "AdverseEventOut": AdverseEvent,
    "AddendumIn": AdverseEventAddendum,
}
# Inputs that accept fewer values than the model stores, on purpose.
NARROWER = {
    ("CustodyIn", "to_location"): "administered and discarded are steps of their own",
    ("TranscriptionIn", "wording"): "a typed-in paper form names its wording",
}


def _literal_values(annotation: Any) -> set[Any]:
    found: set[Any] = set()
    if typing.get_origin(annotation) is typing.Literal:
        found.update(typing.get_args(annotation))
    for arg in typing.get_args(annotation) if typing.get_origin(annotation) else ():
        if typing.get_origin(arg) is not typing.Literal:
            found |= _literal_values(arg)
    return found - {None}


def _literal_fields() -> list[tuple[str, str, set[Any]]]:
    found = []
    for name in SCHEMA_MODULES:
        module = importlib.import_module(f"marrowtrack.{name}.schemas")
        for cls_name, cls in vars(module).items():
            if not (inspect.isclass(cls) and issubclass(cls, Schema)):
                continue
            if cls.__module__ != module.__name__:
                continue
            for field, info in cls.model_fields.items():
                values = _literal_values(info.annotation)
                if values:
                    found.append((cls_name, field, values))
    return found


def _choices(model: type[models.Model], field: str) -> set[Any]:
    model_field = model._meta.get_field(field)
    return {value for value, _ in model_field.flatchoices}  # type: ignore[union-attr]


def test_every_literal_of_an_input_schema_has_its_model() -> None:
    assert {cls for cls, _, _ in _literal_fields()} <= set(WRITES)


@pytest.mark.parametrize(
    ("schema", "field", "values"),
    _literal_fields(),
    ids=[f"{cls}.{field}" for cls, field, _ in _literal_fields()],
)
def test_a_schema_literal_accepts_what_the_model_stores(schema, field, values) -> None:
    stored = _choices(WRITES[schema], field)
    # The empty string is "not given": an input may require a value the model lets be blank.
    if (schema, field) in NARROWER:
        assert values - {""} < stored - {""}
    else:
        assert values - {""} == stored - {""}
    if "" in values:
        assert WRITES[schema]._meta.get_field(field).blank


FORMS_AND_SERVICES = [
    (patient_forms.PatientForm, patient_services.PATIENT_FIELDS),
    (patient_forms.AllergyForm, patient_services.ALLERGY_FIELDS),
    (patient_forms.MedicationForm, patient_services.MEDICATION_FIELDS),
    (patient_forms.ConditionForm, patient_services.CONDITION_FIELDS),
    (intake_forms.PlanForm, plan_services.PLAN_FIELDS),
    (intake_forms.PriorTreatmentForm, plan_services.PRIOR_FIELDS),
]


@pytest.mark.parametrize(
    ("form", "fields"), FORMS_AND_SERVICES, ids=[f.__name__ for f, _ in FORMS_AND_SERVICES]
)
def test_a_form_edits_exactly_the_fields_its_service_takes(form, fields) -> None:
    assert set(form._meta.fields) == set(fields)


SCHEMAS_AND_SERVICES = [
    ("patients", "PatientIn", patient_services.PATIENT_FIELDS),
    ("patients", "AllergyIn", patient_services.ALLERGY_FIELDS),
    ("patients", "MedicationIn", patient_services.MEDICATION_FIELDS),
    ("patients", "ConditionIn", patient_services.CONDITION_FIELDS),
    ("intake", "PlanIn", plan_services.PLAN_FIELDS),
    ("intake", "PriorIn", plan_services.PRIOR_FIELDS),
]


@pytest.mark.parametrize(
    ("app", "schema", "fields"),
    SCHEMAS_AND_SERVICES,
    ids=[schema for _, schema, _ in SCHEMAS_AND_SERVICES],
)
def test_an_input_schema_sends_exactly_the_fields_its_service_takes(app, schema, fields) -> None:
    cls = getattr(importlib.import_module(f"marrowtrack.{app}.schemas"), schema)
    assert set(cls.model_fields) == set(fields)


def test_every_role_table_names_only_roles_that_exist() -> None:
    tables = [module.ROLE_PERMISSIONS for module in app_modules("permissions")]
    assert tables, "no app permission tables found"
    for table in tables:
        assert set(table) <= set(Role.values)

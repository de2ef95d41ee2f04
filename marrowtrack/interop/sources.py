"""Where each exported resource comes from: the other apps' export selectors, row by row,
through the pure mappers in `fhir/` (docs/fhir.md, "Mapping").

A `Section` pairs one selector with the mapper of its rows. The order of SECTIONS puts
referenced resources (Organization, Practitioner, Location, Questionnaire, Patient) first.
A new source (the recovery app's adverse events, docs/fhir.md "Adverse events") is one more
Section here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from marrowtrack.accounts.selectors import staff_of_clinic
from marrowtrack.core.scope import ExportScope
from marrowtrack.facilities.selectors import rooms_of_clinic
from marrowtrack.intake import selectors as intake
from marrowtrack.intake.models import Treatment
from marrowtrack.interop.fhir import clinical, people, procedure_day, provenance, surveys
from marrowtrack.interop.fhir.base import Names, Resource
from marrowtrack.lab import selectors as lab
from marrowtrack.outcomes.instruments import INSTRUMENTS
from marrowtrack.outcomes.selectors import responses_for_export
from marrowtrack.patients.selectors import patients_for_export, weights_for_export
from marrowtrack.patients.weights import bmi
from marrowtrack.procedures import selectors as procedures


@dataclass(frozen=True)
class Context:
    """What every mapper call of one export shares."""

    scope: ExportScope
    names: Names = field(default_factory=lambda: Names(settings.MARROWTRACK_FHIR_NAMESPACE))

    @property
    def clinic_id(self) -> str:
        return str(self.scope.clinic.public_id)


Emit = Callable[[Context, Any], Iterator[Resource]]


@dataclass(frozen=True)
class Section:
    types: frozenset[str]
    rows: Callable[[ExportScope], Iterable[Any]]
    emit: Emit
    by_public_id: bool = True  # rows are a queryset that can be narrowed to one record


def _section(types: str, rows: Callable, by_public_id: bool = True) -> Callable[[Emit], Section]:
    def register(emit: Emit) -> Section:
        return Section(frozenset(types.split()), rows, emit, by_public_id)

    return register


@_section("Organization", lambda scope: [scope.clinic], by_public_id=False)
def _organization(ctx: Context, clinic: Any) -> Iterator[Resource]:
    yield people.organization(clinic)


@_section("Practitioner", lambda scope: staff_of_clinic(clinic=scope.clinic), by_public_id=False)
def _practitioner(ctx: Context, user: Any) -> Iterator[Resource]:
    yield people.practitioner(user)


@_section("Location", lambda scope: rooms_of_clinic(clinic=scope.clinic), by_public_id=False)
def _location(ctx: Context, room: Any) -> Iterator[Resource]:
    yield people.location(room, ctx.clinic_id)


@_section("Questionnaire", lambda scope: INSTRUMENTS.values(), by_public_id=False)
def _questionnaire(ctx: Context, instrument: Any) -> Iterator[Resource]:
    yield surveys.questionnaire(instrument.definition, names=ctx.names)


@_section("Patient Observation", patients_for_export)
def _patient(ctx: Context, patient: Any) -> Iterator[Resource]:
    yield people.patient_resource(
        patient, names=ctx.names, clinic_code=ctx.scope.clinic.code, clinic_id=ctx.clinic_id
    )
    if patient.height_cm is not None:
        yield clinical.height_observation(patient)


@_section("Observation", weights_for_export)
def _weight(ctx: Context, weight: Any) -> Iterator[Resource]:
    yield clinical.weight_observation(weight, patient_id=weight.patient_uuid)
    if weight.height_cm is not None:
        value = bmi(weight.weight_kg, weight.height_cm)
        yield clinical.bmi_observation(weight, patient_id=weight.patient_uuid, value=value)


@_section("Condition CarePlan", intake.plans_for_export)
def _plan(ctx: Context, plan: Any) -> Iterator[Resource]:
    yield clinical.condition(plan, names=ctx.names, patient_id=plan.patient_uuid)
    yield clinical.care_plan(plan, patient_id=plan.patient_uuid, author_id=plan.author_uuid)


@_section("Provenance", intake.decisions_for_export)
def _decision(ctx: Context, decision: Any) -> Iterator[Resource]:
    target = ("CarePlan", decision.plan_uuid)
    yield provenance.provenance(
        decision.signature, names=ctx.names, target=target, signer_id=decision.signer_uuid
    )


@_section("Observation", intake.lab_values_for_export)
def _lab_value(ctx: Context, value: Any) -> Iterator[Resource]:
    yield clinical.lab_value_observation(value, patient_id=value.patient_uuid)


@_section("Consent Provenance", intake.consents_for_export)
def _consent(ctx: Context, consent: Any) -> Iterator[Resource]:
    yield clinical.consent(
        consent, names=ctx.names, patient_id=consent.patient_uuid, clinic_id=ctx.clinic_id
    )
    if consent.witness_signature is not None:
        yield provenance.provenance(
            consent.witness_signature,
            names=ctx.names,
            target=("Consent", consent.public_id),
            signer_id=consent.witness_uuid,
        )


@_section("Appointment", intake.appointments_for_export)
def _appointment(ctx: Context, appt: Any) -> Iterator[Resource]:
    people_ids = {
        "physician": appt.physician_uuid,
        "nurse": appt.nurse_uuid,
        "lab_tech": appt.lab_tech_uuid,
        "room": appt.room_uuid,
    }
    yield clinical.appointment(
        appt, patient_id=appt.patient_uuid, plan_id=appt.plan_uuid, people=people_ids
    )


@_section("Encounter", procedures.encounters_for_export)
def _encounter(ctx: Context, enc: Any) -> Iterator[Resource]:
    ids = {
        "patient": enc.patient_uuid,
        "plan": enc.plan_uuid,
        "clinic": ctx.clinic_id,
        "physician": enc.physician_uuid,
        "nurse": enc.nurse_uuid,
    }
    yield procedure_day.encounter(enc, names=ctx.names, ids=ids)


def _day_ids(row: Any, **more: Any) -> dict[str, Any]:
    return {
        "patient": row.patient_uuid,
        "encounter": getattr(row, "encounter_uuid", None),
        "plan": getattr(row, "plan_uuid", None),
        "performer": getattr(row, "performer_uuid", None),
        **more,
    }


@_section("Procedure", procedures.harvests_for_export)
def _harvest(ctx: Context, harvest: Any) -> Iterator[Resource]:
    yield procedure_day.harvest_procedure(harvest, names=ctx.names, ids=_day_ids(harvest))


@_section("Procedure", procedures.injections_for_export)
def _injection(ctx: Context, injection: Any) -> Iterator[Resource]:
    treatment = _treatment_label(injection.treatment)
    ids = _day_ids(injection, product=injection.product_uuid, treatment=treatment)
    yield procedure_day.injection_procedure(injection, names=ctx.names, ids=ids)


def _treatment_label(code: str) -> str:
    return str(Treatment(code).label) if code in Treatment.values else code


@_section("MedicationAdministration", procedures.lidocaine_for_export)
def _lidocaine(ctx: Context, entry: Any) -> Iterator[Resource]:
    yield procedure_day.lidocaine_administration(entry, ids=_day_ids(entry))


@_section("Specimen BiologicallyDerivedProduct", lab.containers_for_export)
def _container(ctx: Context, container: Any) -> Iterator[Resource]:
    ids = _day_ids(container, collector=container.collector_uuid)
    if container.kind == "aspirate":
        yield procedure_day.specimen(container, names=ctx.names, ids=ids)
    else:
        run = container.run
        yield procedure_day.biologically_derived_product(
            container, names=ctx.names, ids=ids, run=run
        )


@_section("Observation Provenance", lab.runs_for_export)
def _run(ctx: Context, run: Any) -> Iterator[Resource]:
    products = [str(syringe.public_id) for syringe in run.syringes.all()]
    ids = _day_ids(run, aspirate=run.aspirate_uuid, products=products)
    yield from procedure_day.run_observations(run, names=ctx.names, ids=ids)
    signed = (
        (run.verification_signature, run.verification_signer_uuid),
        (run.release_signature, run.release_signer_uuid),
    )
    for signature, signer in signed:
        if signature is not None and products:
            yield provenance.provenance(
                signature,
                names=ctx.names,
                target=[("BiologicallyDerivedProduct", product) for product in products],
                signer_id=signer,
            )


@_section("Observation", lab.late_results_for_export)
def _late_result(ctx: Context, result: Any) -> Iterator[Resource]:
    products = [str(syringe.public_id) for syringe in result.run.syringes.all()]
    ids = _day_ids(result, products=products)
    yield procedure_day.late_result_observation(result, names=ctx.names, ids=ids)


@_section("Provenance", procedures.day_signatures_for_export, by_public_id=False)
def _day_signature(ctx: Context, signed: tuple[Any, str, Any]) -> Iterator[Resource]:
    signature, kind, ident = signed
    yield provenance.provenance(
        signature, names=ctx.names, target=(kind, ident), signer_id=signature.signer.public_id
    )


TITLES = {code: instrument.definition.name for code, instrument in INSTRUMENTS.items()}


@_section("QuestionnaireResponse Observation", responses_for_export)
def _response(ctx: Context, response: Any) -> Iterator[Resource]:
    ids = {
        "patient": response.patient_uuid,
        "plan": response.plan_uuid,
        "entered_by": response.entered_by_uuid,
    }
    instrument = INSTRUMENTS.get(response.instrument)
    definition = instrument.definition if instrument else None
    yield surveys.questionnaire_response(response, names=ctx.names, definition=definition, ids=ids)
    yield from surveys.score_observations(response, names=ctx.names, titles=TITLES, ids=ids)


SECTIONS: tuple[Section, ...] = (
    _organization,
    _practitioner,
    _location,
    _questionnaire,
    _patient,
    _weight,
    _plan,
    _decision,
    _lab_value,
    _consent,
    _appointment,
    _encounter,
    _harvest,
    _injection,
    _lidocaine,
    _container,
    _run,
    _late_result,
    _day_signature,
    _response,
)
EXPORTED_TYPES = frozenset().union(*(section.types for section in SECTIONS))


def _sections(types: frozenset[str] | None) -> list[Section]:
    return [section for section in SECTIONS if not types or section.types & types]


def resources(
    ctx: Context, types: frozenset[str] | None = None, on_row: Callable[[], None] | None = None
) -> Iterator[Resource]:
    """Every resource of the scope (of the given types only, if any), section by section;
    `on_row` is called once per source row (a progress bar counts them)."""
    for section in _sections(types):
        for row in _iterate(section.rows(ctx.scope)):
            for resource in section.emit(ctx, row):
                if not types or resource["resourceType"] in types:
                    yield resource
            if on_row is not None:
                on_row()


def row_count(ctx: Context, types: frozenset[str] | None = None) -> int:
    """How many source rows `resources` will read (one COUNT per section)."""
    total = 0
    for section in _sections(types):
        rows = section.rows(ctx.scope)
        total += rows.count() if isinstance(rows, QuerySet) else len(list(rows))
    return total


def _iterate(rows: Iterable[Any]) -> Iterable[Any]:
    # Querysets stream in chunks (a whole registry never sits in memory); the prefetching
    # ones need a chunk size for their prefetches to run.
    iterator = getattr(rows, "iterator", None)
    return iterator(chunk_size=2000) if iterator is not None else rows


def record_resources(ctx: Context, resource_type: str, public_id: Any) -> Iterator[Resource]:
    """The resources of `resource_type` built from the one record with this public id."""
    for section in SECTIONS:
        if resource_type not in section.types or not section.by_public_id:
            continue
        for row in section.rows(ctx.scope).filter(public_id=public_id):  # type: ignore[attr-defined]
            yield from (r for r in section.emit(ctx, row) if r["resourceType"] == resource_type)

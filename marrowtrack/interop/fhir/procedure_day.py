"""The procedure day: Encounter, Procedure (harvest, injection), MedicationAdministration
(local anaesthetic), Specimen (aspirate), BiologicallyDerivedProduct (concentrate) and the
lab's cell-count Observations (docs/fhir.md, "Procedure day")."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from marrowtrack.interop import terminology as t
from marrowtrack.interop.fhir.base import (
    Names,
    Resource,
    concept,
    derived_id,
    instant,
    local,
    period,
    pruned,
    quantity,
    ref,
    uuid_identifier,
)
from marrowtrack.interop.fhir.clinical import body_site, condition_id, laterality_extension

ENCOUNTER_STATUS = {"checked_in": "arrived", "discharged": "finished", "aborted": "cancelled"}
HARVEST_SIDES = {"l_pic": "left", "r_pic": "right", "bilateral": "bilateral"}
RELEASED_FOR_USE = {"released"}


def _state_extension(names: Names, state: str) -> dict[str, Any]:
    return {"url": f"{names.namespace}/StructureDefinition/procedure-day-state", "valueCode": state}


def encounter(enc: Any, *, names: Names, ids: dict[str, Any]) -> Resource:
    """The procedure day; its exact state (e.g. product_discarded) rides in an extension."""
    status = ENCOUNTER_STATUS.get(enc.state)
    if status is None:
        status = "finished" if enc.state == "product_discarded" else "in-progress"
    participants = [
        {"individual": ref("Practitioner", ids[role])}
        for role in ("physician", "nurse")
        if ids.get(role)
    ]
    return pruned(
        {
            "resourceType": "Encounter",
            "id": str(enc.public_id),
            "identifier": [uuid_identifier(enc.public_id)],
            "extension": [_state_extension(names, enc.state)],
            "status": status,
            "class": t.AMBULATORY.fhir(),
            "subject": ref("Patient", ids["patient"]),
            "participant": participants,
            "period": period(enc.checked_in_at, enc.finished_at),
            "reasonReference": [ref("Condition", condition_id(ids["plan"]))],
            "serviceProvider": ref("Organization", ids["clinic"]),
        }
    )


def harvest_procedure(harvest: Any, *, names: Names, ids: dict[str, Any]) -> Resource:
    """Bone marrow aspiration from the posterior iliac crest."""
    side = HARVEST_SIDES.get(harvest.side, "")
    site = {"text": harvest.get_side_display()}
    if laterality_extension(names, side):
        site["extension"] = laterality_extension(names, side)
    used = f"{harvest.get_anticoagulant_display()} {harvest.anticoagulant_ml} mL"
    return pruned(
        {
            "resourceType": "Procedure",
            "id": str(harvest.public_id),
            "identifier": [uuid_identifier(harvest.public_id)],
            "basedOn": [ref("CarePlan", ids["plan"])],
            "status": "completed",
            "code": concept(t.HARVEST_PROCEDURE, "Bone marrow aspiration (posterior iliac crest)"),
            "subject": ref("Patient", ids["patient"]),
            "encounter": ref("Encounter", ids["encounter"]),
            "performedPeriod": period(harvest.started_at, harvest.ended_at),
            "performer": [{"actor": ref("Practitioner", ids["performer"])}],
            "reasonReference": [ref("Condition", condition_id(ids["plan"]))],
            "bodySite": [site],
            "complication": [{"text": harvest.complications}] if harvest.complications else [],
            "usedCode": [{"text": f"{used} (lot {harvest.anticoagulant_lot})"}],
        }
    )


def injection_procedure(injection: Any, *, names: Names, ids: dict[str, Any]) -> Resource:
    """The injection of one product into the target; the product rides in an extension
    (R4's Procedure.usedReference cannot point at a BiologicallyDerivedProduct)."""
    product = {
        "url": f"{names.namespace}/StructureDefinition/administered-product",
        "valueReference": ref("BiologicallyDerivedProduct", ids["product"]),
    }
    note = f"{injection.volume_ml} mL under {injection.get_guidance_display().lower()} guidance"
    site = body_site(
        names,
        injection.target,
        injection.get_target_display(),
        injection.laterality,
        injection.target_level,
    )
    return pruned(
        {
            "resourceType": "Procedure",
            "id": str(injection.public_id),
            "identifier": [uuid_identifier(injection.public_id)],
            "extension": [product],
            "basedOn": [ref("CarePlan", ids["plan"])],
            "status": "completed",
            "code": {"text": f"Injection: {ids['treatment']}"},
            "subject": ref("Patient", ids["patient"]),
            "encounter": ref("Encounter", ids["encounter"]),
            "performedPeriod": period(injection.started_at, injection.ended_at),
            "performer": [{"actor": ref("Practitioner", ids["performer"])}],
            "reasonReference": [ref("Condition", condition_id(ids["plan"]))],
            "bodySite": [site],
            "usedCode": [{"text": injection.co_injectate}] if injection.co_injectate else [],
            "note": [{"text": note}],
        }
    )


def lidocaine_administration(entry: Any, *, ids: dict[str, Any]) -> Resource:
    """One local anaesthetic dose; all doses of the day count against one limit."""
    name = str(getattr(entry, "agent", "lidocaine") or "lidocaine").capitalize()
    drug = f"{name} {entry.percent} %" + (" with epinephrine" if entry.with_epinephrine else "")
    mixed = "Mixed into the injectate." if entry.mixed_into_injectate else ""
    return pruned(
        {
            "resourceType": "MedicationAdministration",
            "id": str(entry.public_id),
            "identifier": [uuid_identifier(entry.public_id)],
            "status": "completed",
            "medicationCodeableConcept": {"text": drug},
            "subject": ref("Patient", ids["patient"]),
            "context": ref("Encounter", ids["encounter"]),
            "effectiveDateTime": instant(entry.given_at),
            "performer": [{"actor": ref("Practitioner", ids["performer"])}],
            "note": [{"text": mixed}] if mixed else [],
            "dosage": {
                "text": f"{entry.ml} mL of {drug.lower()} ({entry.mg} mg) at {entry.site}",
                "site": {"text": entry.site},
                "dose": quantity(entry.mg, t.MG),
            },
        }
    )


def _din(names: Names, container: Any) -> dict[str, str]:
    return {"system": names.din_system, "value": container.din}


def specimen(container: Any, *, names: Names, ids: dict[str, Any]) -> Resource:
    """The aspirate as collected (the lab's counts on it point here)."""
    return pruned(
        {
            "resourceType": "Specimen",
            "id": str(container.public_id),
            "identifier": [_din(names, container), uuid_identifier(container.public_id)],
            "status": "unavailable" if container.status == "discarded" else "available",
            "type": concept(t.ASPIRATE_SPECIMEN),
            "subject": ref("Patient", ids["patient"]),
            "collection": pruned(
                {
                    "collector": ref("Practitioner", ids["collector"])
                    if ids.get("collector")
                    else None,
                    "collectedDateTime": instant(container.collected_at),
                    "quantity": quantity(container.volume_ml, t.ML),
                }
            ),
            "note": [{"text": container.discard_reason}] if container.discard_reason else [],
        }
    )


def biologically_derived_product(
    container: Any, *, names: Names, ids: dict[str, Any], run: Any | None
) -> Resource:
    """One syringe of concentrate, identified by its ISBT 128 DIN and, with its product
    code, as the one product of that collection; the product code is its productCode."""
    product_code = container.product_code
    label = "Bone marrow concentrate" + (f" (ISBT 128 {product_code})" if product_code else "")
    coded = {"coding": [{"system": t.ISBT128, "code": product_code}]} if product_code else {}
    unit = (
        [{"system": names.isbt128_unit_system, "value": f"{container.din} {product_code}"}]
        if product_code
        else []
    )
    volume = {
        "url": f"{names.namespace}/StructureDefinition/product-volume",
        "valueQuantity": quantity(container.volume_ml, t.ML),
    }
    return pruned(
        {
            "resourceType": "BiologicallyDerivedProduct",
            "id": str(container.public_id),
            "identifier": [
                _din(names, container),
                *unit,
                uuid_identifier(container.public_id),
            ],
            "extension": [volume],
            "productCategory": "cells",
            "productCode": {**coded, "text": label},
            "status": "available" if container.status in RELEASED_FOR_USE else "unavailable",
            "quantity": 1,
            "collection": pruned(
                {
                    "collector": ref("Practitioner", ids["collector"])
                    if ids.get("collector")
                    else None,
                    "source": ref("Patient", ids["patient"]),
                    "collectedDateTime": instant(container.collected_at),
                }
            ),
            "processing": [_processing(run)] if run is not None else [],
            "storage": [
                {
                    "description": "Hold limit: use before the end of this period",
                    "duration": period(container.collected_at, container.expires_at),
                }
            ],
        }
    )


def _processing(run: Any) -> dict[str, Any]:
    rpm = f"{run.rpm} rpm, " if run.rpm else ""
    description = (
        f"Centrifugation on {run.device}, kit lot {run.kit_lot}: {run.spins} spin(s), "
        f"{rpm}{run.rcf_g} ×g, {run.spin_minutes} min, brake {'on' if run.brake else 'off'}"
    )
    return {
        "description": description,
        "procedure": {"text": "Centrifugation"},
        "timePeriod": period(run.started_at, run.ended_at),
    }


# (field, code, display, unit, measured on the concentrate?)
RUN_MEASURES: tuple[tuple[str, str, str, t.Unit, bool], ...] = (
    ("pre_tnc_per_ul", "tnc.aspirate", "Total nucleated cells, aspirate", t.PER_UL, False),
    ("post_tnc_per_ul", "tnc.concentrate", "Total nucleated cells, concentrate", t.PER_UL, True),
    ("pre_plt_per_ul", "platelets.aspirate", "Platelets, aspirate", t.GIGA_PER_L, False),
    ("post_plt_per_ul", "platelets.concentrate", "Platelets, concentrate", t.GIGA_PER_L, True),
    ("pre_hct_pct", "hct.aspirate", "Haematocrit, aspirate", t.PERCENT, False),
    ("post_hct_pct", "hct.concentrate", "Haematocrit, concentrate", t.PERCENT, True),
    ("post_cd34_per_ul", "cd34.concentrate", "CD34+ cells, concentrate", t.PER_UL, True),
    ("viability_pct", "viability.concentrate", "Viability (7-AAD), concentrate", t.PERCENT, True),
)
COMPUTED = (
    ("cf_tnc", "cf-tnc", "Concentration factor, total nucleated cells", t.RATIO),
    ("recovery_pct", "recovery-tnc", "Recovery of total nucleated cells", t.PERCENT),
)


def run_observations(run: Any, *, names: Names, ids: dict[str, Any]) -> list[Resource]:
    """Cell counts before and after processing, and the system's computed CF and recovery."""
    found = []
    for field, code, display, unit, on_product in RUN_MEASURES:
        value = getattr(run, field)
        if value is None:
            continue
        if unit is t.GIGA_PER_L:
            value = t.platelets_giga_per_l(value)  # the lab counts /µL (terminology module)
        found.append((code, display, unit, value, on_product))
    for key, code, display, unit in COMPUTED:
        value = _decimal(run.computed.get(key))
        if value is not None:
            found.append((code, display, unit, value, True))
    return [_lab_observation(run, names, ids, *item) for item in found]


def _decimal(raw: object) -> Decimal | None:
    try:
        return Decimal(str(raw)) if raw not in (None, "") else None
    except InvalidOperation:
        return None


def _lab_observation(
    run: Any,
    names: Names,
    ids: dict,
    code: str,
    display: str,
    unit: t.Unit,
    value: Decimal,
    on_product: bool,
) -> Resource:
    ident = derived_id(run.public_id, code)
    targets: dict[str, Any] = {}
    if on_product:
        targets["focus"] = [ref("BiologicallyDerivedProduct", p) for p in ids["products"]]
    elif ids.get("aspirate"):
        targets["specimen"] = ref("Specimen", ids["aspirate"])
    return pruned(
        {
            "resourceType": "Observation",
            "id": ident,
            "identifier": [{"system": names.part_system, "value": ident}],
            "status": "final",
            "category": [concept(t.LABORATORY)],
            "code": concept(local(names, "marrow-lab", code, display)),
            "subject": ref("Patient", ids["patient"]),
            "encounter": ref("Encounter", ids["encounter"]),
            "effectiveDateTime": instant(run.ended_at),
            "performer": [ref("Practitioner", ids["performer"])],
            "valueQuantity": quantity(value, unit),
            **targets,
        }
    )


def late_result_observation(result: Any, *, names: Names, ids: dict[str, Any]) -> Resource:
    """A result that arrived after release (e.g. CFU-F at 14 days): appended, never edited."""
    value = _decimal(result.value)
    unit = t.ucum_for(result.unit)
    observed = (
        {"valueQuantity": quantity(value, unit, result.unit)}
        if value is not None
        else {"valueString": f"{result.value} {result.unit}".strip()}
    )
    display = result.get_kind_display()
    return pruned(
        {
            "resourceType": "Observation",
            "id": str(result.public_id),
            "identifier": [uuid_identifier(result.public_id)],
            "status": "final",
            "category": [concept(t.LABORATORY)],
            "code": concept(local(names, "marrow-lab", f"late.{result.kind}", display)),
            "subject": ref("Patient", ids["patient"]),
            "focus": [ref("BiologicallyDerivedProduct", p) for p in ids["products"]],
            "effectiveDateTime": instant(result.recorded_at),
            "performer": [ref("Practitioner", ids["performer"])],
            "note": [{"text": result.note}] if result.note else [],
            **observed,
        }
    )

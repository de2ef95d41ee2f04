"""The child entries of a patient record (weight, allergy, medication, condition) and the
form and services that add, edit and archive each, so one set of views serves them all."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms

from marrowtrack.patients import services
from marrowtrack.patients.forms import AllergyForm, ConditionForm, MedicationForm, WeightForm
from marrowtrack.patients.models import Allergy, Condition, Medication, WeightMeasurement


def _add_weight(*, patient: Any, by: Any, data: dict[str, Any]) -> Any:
    return services.weight_record(patient=patient, by=by, **data)


@dataclass(frozen=True)
class EntryKind:
    slug: str
    label: str
    model: type
    form: type[forms.ModelForm]
    add: Callable[..., Any]
    update: Callable[..., Any] | None


ENTRY_KINDS: dict[str, EntryKind] = {
    "weights": EntryKind("weights", "weight", WeightMeasurement, WeightForm, _add_weight, None),
    "allergies": EntryKind(
        "allergies", "allergy", Allergy, AllergyForm, services.allergy_add, None
    ),
    "medications": EntryKind(
        "medications",
        "medication",
        Medication,
        MedicationForm,
        services.medication_add,
        lambda *, entry, by, data, version: services.medication_update(
            medication=entry, by=by, data=data, version=version
        ),
    ),
    "conditions": EntryKind(
        "conditions",
        "condition",
        Condition,
        ConditionForm,
        services.condition_add,
        lambda *, entry, by, data, version: services.condition_update(
            condition=entry, by=by, data=data, version=version
        ),
    ),
}

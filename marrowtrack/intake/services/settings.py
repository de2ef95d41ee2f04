"""The clinic's intake settings (arrival lead time, after-hours phone, oldest screening
accepted on the procedure day) and the clinic's minimum recovery before discharge (a
field of the clinic itself, ADR 0024), changed by a clinic administrator and audited."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from marrowtrack.accounts.models import User
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.services import diff
from marrowtrack.audit.versions import version_check, version_save
from marrowtrack.core.models import Clinic
from marrowtrack.core.services import validated
from marrowtrack.core.validators import only
from marrowtrack.intake.models import IntakeSettings
from marrowtrack.intake.services.common import audit

SETTINGS_FIELDS = ("arrival_lead_minutes", "after_hours_phone", "screening_max_age_days")
CLINIC_FIELDS = ("min_recovery_minutes",)


def _clinic_update(clinic: Clinic, by: User, values: Mapping[str, Any]) -> None:
    """The clinic's own settings among ``values`` (the minimum recovery), audited."""
    mine = {name: values[name] for name in CLINIC_FIELDS if values.get(name) is not None}
    if not mine:
        return
    row = Clinic.objects.select_for_update().get(pk=clinic.pk)
    changes: dict[str, Any] = diff(row, mine)
    if not changes:
        return
    for name, value in mine.items():
        setattr(row, name, value)
    validated(row)
    row.save(update_fields=[*changes, "updated_at"])
    for name, value in mine.items():
        setattr(clinic, name, value)
    audit(by=by, action=AuditAction.UPDATE, instance=row, patient=None, changes=changes)


def intake_settings_update(
    *, clinic: Clinic, by: User, data: Mapping[str, Any], version: int
) -> IntakeSettings:
    """Save the clinic's settings (created with the defaults on first save, as version 1),
    made from `version` of them: a stale edit is refused (decision 0021)."""
    given = only(data, SETTINGS_FIELDS + CLINIC_FIELDS)
    values = {name: value for name, value in given.items() if name in SETTINGS_FIELDS}
    with transaction.atomic():
        row, _ = IntakeSettings.objects.select_for_update().get_or_create(clinic=clinic)
        version_check(row, read=version, fields=SETTINGS_FIELDS)
        _clinic_update(clinic, by, given)
        changes: dict[str, Any] = diff(row, values)
        if not changes:
            return row
        for name, value in values.items():
            setattr(row, name, value)
        validated(row)
        version_save(row, read=version, fields=list(changes), shown=SETTINGS_FIELDS)
        changes["version"] = [version, row.version]
        audit(by=by, action=AuditAction.UPDATE, instance=row, patient=None, changes=changes)
    return row

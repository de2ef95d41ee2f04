"""The clinic's intake settings (arrival lead time, after-hours phone, oldest screening
accepted on the procedure day), changed by a clinic administrator and audited."""

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


def intake_settings_update(
    *, clinic: Clinic, by: User, data: Mapping[str, Any], version: int
) -> IntakeSettings:
    """Save the clinic's settings (created with the defaults on first save, as version 1),
    made from `version` of them: a stale edit is refused (decision 0021)."""
    values = only(data, SETTINGS_FIELDS)
    with transaction.atomic():
        row, _ = IntakeSettings.objects.select_for_update().get_or_create(clinic=clinic)
        version_check(row, read=version, fields=SETTINGS_FIELDS)
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

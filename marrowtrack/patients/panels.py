"""Panels on the patient record contributed by the apps above patients (plans, procedure
days, outcomes). Each app lists its own in ``<app>/record_panels.py`` (``PATIENT_PANELS``),
found like navigation (core.discovery): the record page shows them without importing the
apps that own the rows (docs/decisions/0006-one-way-app-layers.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from marrowtrack.accounts.models import User
from marrowtrack.core.discovery import app_modules
from marrowtrack.patients.models import Patient


@dataclass(frozen=True)
class PatientPanel:
    """A template fragment of the record and the reads it shows; `permission`, when given,
    hides the panel from roles without it. The template sees the page's context (`patient`,
    `perms`) and the reads as `data`."""

    template: str
    data: Callable[[Patient], dict[str, Any]]
    permission: str | None = None


@dataclass(frozen=True)
class ShownPanel:
    template: str
    data: dict[str, Any]


def panels_for(patient: Patient, user: User) -> list[ShownPanel]:
    """Each app's panels the user may see, in INSTALLED_APPS order, with their reads done."""
    return [
        ShownPanel(panel.template, panel.data(patient))
        for module in app_modules("record_panels")
        for panel in module.PATIENT_PANELS
        if panel.permission is None or user.has_perm(panel.permission)
    ]

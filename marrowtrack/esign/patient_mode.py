"""Patient mode: the staff member hands the tablet to the patient (issue 9, item 8).

While it is on, the staff session shows one page to the patient (e.g. the consent they sign)
and nothing else: the staff navigation is hidden and every other address leads back to that
page. Leaving it needs the staff member's own password (and code), checked by
``esign.services.reauthenticate``: failures count toward the account's lockout (axes) and
are audited like any failed signature. Entering and leaving are on the audit trail.

The state lives in the session, so it ends with the session (log-out, idle log-off); log-out
stays reachable so a locked-out staff member can still end it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from marrowtrack.accounts.http import AuthenticatedHttpRequest
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.services import event_record
from marrowtrack.esign.services import reauthenticate

SESSION_KEY = "marrowtrack_patient_mode"
BLOCKED = "Patient mode is on: a staff member leaves it with their password first."


@dataclass(frozen=True)
class PatientMode:
    staff_id: int
    page: str  # where the patient is sent back to
    allowed: tuple[str, ...]  # exact paths the patient may reach (GET and POST)
    return_to: str  # where the staff member lands after leaving
    record: str = ""  # "app.model:public id" of what the patient was handed
    patient: str = ""  # the patient's public id, for the audit trail


def current(request: HttpRequest) -> PatientMode | None:
    session = getattr(request, "session", None)
    data = session.get(SESSION_KEY) if session is not None else None
    if not data:
        return None
    return PatientMode(
        staff_id=data["staff_id"],
        page=data["page"],
        allowed=tuple(data["allowed"]),
        return_to=data["return_to"],
        record=data.get("record", ""),
        patient=data.get("patient", ""),
    )


def patient_mode_enter(
    *,
    request: AuthenticatedHttpRequest,
    record: models.Model,
    page: str,
    allowed: Iterable[str],
    return_to: str,
    patient_public_id: Any = None,
) -> PatientMode:
    """Hand the session to the patient for `record` (e.g. a consent)."""
    user = request.user
    label = f"{record._meta.app_label}.{record._meta.model_name}"
    mode = PatientMode(
        staff_id=user.pk,
        page=page,
        allowed=(page, *allowed),
        return_to=return_to,
        record=f"{label}:{getattr(record, 'public_id', record.pk)}",
        patient=str(patient_public_id or ""),
    )
    with transaction.atomic():
        event_record(
            actor=user,
            action=AuditAction.UPDATE,
            target=record,
            name="patient_mode.enter",
            extra={"page": page},
            patient_public_id=patient_public_id,
        )
    request.session[SESSION_KEY] = {
        "staff_id": mode.staff_id,
        "page": mode.page,
        "allowed": list(mode.allowed),
        "return_to": mode.return_to,
        "record": mode.record,
        "patient": mode.patient,
    }
    return mode


def patient_mode_leave(
    *, request: AuthenticatedHttpRequest, password: str, totp: str | None = None
) -> PatientMode:
    """The staff member takes the tablet back: their own password (and code) or nothing.

    Raises ``SignatureRefused`` (audited, counted toward the lockout) on a wrong password."""
    mode = current(request)
    if mode is None:
        raise LookupError("Patient mode is not on.")
    reauthenticate(user=request.user, password=password, totp=totp)
    with transaction.atomic():
        event_record(
            actor=request.user,
            action=AuditAction.UPDATE,
            target=mode.record.split(":")[0] or "session",
            name="patient_mode.leave",
            extra={"page": mode.page, "record": mode.record},
            patient_public_id=mode.patient or None,
        )
    request.session.pop(SESSION_KEY, None)
    return mode


def _always_open() -> tuple[str, ...]:
    return (
        reverse("patient-mode:leave"),
        reverse("accounts:logout"),
        reverse("accounts:login"),
    )


class PatientModeMiddleware:
    """Keeps a session in patient mode on its page: any other address goes back to it
    (API calls on the session are refused with the API's error shape)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        mode = current(request)
        if mode is None or self._open(request.path, mode):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"message": BLOCKED, "errors": {}}, status=403)
        return redirect(mode.page)

    @staticmethod
    def _open(path: str, mode: PatientMode) -> bool:
        static = (settings.STATIC_URL or "/static/").rstrip("/") + "/"
        return path in mode.allowed or path in _always_open() or path.startswith(static)

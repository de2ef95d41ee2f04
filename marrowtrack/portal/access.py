"""The portal's access check: a live portal session names one patient, and every record a
page or endpoint opens is looked up *through that patient* (another patient's id: 404).

Staff sign-in (``request.user``) plays no part here: a staff session does not open the
portal and the portal cookie opens nothing else (docs/decisions/0009-patient-portal-identity.md).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers

from marrowtrack.intake.models import Consent, TreatmentPlan
from marrowtrack.patients.models import Patient
from marrowtrack.portal.models import PortalSession
from marrowtrack.portal.services import session_for_key
from marrowtrack.recovery.models import CheckIn, RecoveryCourse

COOKIE = "mt_portal"


def portal_session(request: HttpRequest) -> PortalSession | None:
    return session_for_key(request.COOKIES.get(COOKIE, ""))


def portal_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Require a portal session; render in the patient's language; never cache."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        session = portal_session(request)
        if session is None:
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse('portal:sign-in')}?{query}")
        request.portal_session = session  # type: ignore[attr-defined]
        request.patient = session.patient  # type: ignore[attr-defined]
        patient = session.patient
        language = patient.preferred_language or "en"
        with translation.override(language), timezone.override(patient.clinic.timezone):
            response = view(request, *args, **kwargs)
            if hasattr(response, "render"):
                response.render()
        add_never_cache_headers(response)
        return response

    return wrapped


def own_course(patient: Patient, public_id: UUID | str) -> RecoveryCourse:
    course = (
        RecoveryCourse.objects.select_related("plan__patient__clinic", "clinic")
        .filter(public_id=public_id, patient=patient)
        .first()
    )
    if course is None:
        raise Http404("No such recovery course of yours.")
    return course


def own_checkin(patient: Patient, public_id: UUID | str) -> CheckIn:
    checkin = (
        CheckIn.objects.select_related("course__patient__clinic")
        .filter(public_id=public_id, course__patient=patient)
        .first()
    )
    if checkin is None:
        raise Http404("No such check-in of yours.")
    return checkin


def own_plan(patient: Patient, public_id: UUID | str) -> TreatmentPlan:
    plan = TreatmentPlan.objects.filter(public_id=public_id, patient=patient).first()
    if plan is None:
        raise Http404("No such treatment of yours.")
    return plan


def own_consent(patient: Patient, public_id: UUID | str) -> Consent:
    consent = (
        Consent.objects.select_related("plan__patient", "document")
        .filter(public_id=public_id, plan__patient=patient)
        .first()
    )
    if consent is None:
        raise Http404("No such consent of yours.")
    return consent

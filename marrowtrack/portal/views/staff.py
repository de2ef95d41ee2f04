"""Staff send a patient a portal sign-in link (e.g. at discharge)."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from marrowtrack.accounts.access import require_perm
from marrowtrack.accounts.http import AuthenticatedHttpRequest
from marrowtrack.core import clock
from marrowtrack.patients.access import patient_for_user
from marrowtrack.portal.services import link_send


@login_required
@require_POST
def send_link(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    require_perm(request.user, "portal.send_portal_link")
    patient = patient_for_user(request.user, public_id)
    link = link_send(patient=patient, by=request.user)
    messages.success(
        request,
        f"A sign-in link (valid until {clock.stamp(link.expires_at, patient.clinic)}) is queued.",
    )
    back = request.POST.get("next", "")
    ok = url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})
    return redirect(back if back and ok else patient.get_absolute_url())

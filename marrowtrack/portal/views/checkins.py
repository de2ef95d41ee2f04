"""The patient's check-ins: the list, today's questions, and what happens next."""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from marrowtrack.core.forms import run_form_action
from marrowtrack.portal.access import own_checkin, portal_page
from marrowtrack.recovery import selectors
from marrowtrack.recovery.forms import CheckInForm
from marrowtrack.recovery.models import CheckIn
from marrowtrack.recovery.profiles import profile_for
from marrowtrack.recovery.services.checkins import checkin_submit


@portal_page
def checkins(request: HttpRequest) -> HttpResponse:
    rows = selectors.checkins_for_patient(patient=request.patient)
    return render(request, "portal/checkins.html", {"checkins": rows})


@portal_page
def checkin(request: HttpRequest, public_id: UUID) -> HttpResponse:
    item = own_checkin(request.patient, public_id)
    if item.status != item.Status.OPEN:
        return render(request, "portal/checkin_done.html", _done_context(item))
    harvest = profile_for(item.course.treatment).harvest
    form = CheckInForm(request.POST or None, harvest=harvest)
    if run_form_action(form, lambda: checkin_submit(checkin=item, data=form.cleaned_data)):
        return redirect("portal:checkin", public_id=item.public_id)
    context = {"checkin": item, "form": form, "harvest": harvest}
    return render(request, "portal/checkin.html", context)


def _done_context(item: CheckIn) -> dict[str, object]:
    emergency = settings.MARROWTRACK_EMERGENCY_NUMBER
    return {"checkin": item, "clinic": item.course.clinic, "emergency": emergency}

"""Patients in recovery: the list, one course with its check-ins, tasks, events and
messages, a phone check-in, stopping the check-ins, and the discharge instructions."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from marrowtrack.accounts.access import has_perm, require_perm, staff_clinic
from marrowtrack.accounts.http import AuthenticatedHttpRequest
from marrowtrack.audit.services import document_printed
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError
from marrowtrack.core.forms import run_form_action
from marrowtrack.notifications.routing import preferred_channel
from marrowtrack.notifications.selectors import messages_for_patient
from marrowtrack.notifications.services.preferences import contact_preference_set
from marrowtrack.recovery import selectors
from marrowtrack.recovery.access import checkin_for_user, course_for_user
from marrowtrack.recovery.documents import discharge_pdf, render_discharge
from marrowtrack.recovery.forms import CheckInForm, ContactPreferenceForm, StopForm
from marrowtrack.recovery.profiles import profile_for
from marrowtrack.recovery.services.checkins import checkin_submit
from marrowtrack.recovery.services.courses import course_stop

MANAGE = "recovery.manage_checkins"
LANGUAGES = {"en": "English", "es": "Spanish"}


@login_required
def course_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_perm(request.user, "recovery.view_recoverycourse")
    status = request.GET.get("status", "active")
    courses = selectors.courses_for_clinic(clinic=staff_clinic(request.user), status=status)
    context = {
        "courses": courses[:200],
        "status": status,
        "today": clock.today(staff_clinic(request.user)),
    }
    return render(request, "recovery/course_list.html", context)


def _course_page(request: AuthenticatedHttpRequest, course, **forms: object) -> HttpResponse:  # noqa: ANN001
    course = selectors.course_with_detail(course)
    context = {
        "course": course,
        "patient": course.patient,
        "events": selectors.adverse_events_for_plan(plan_id=course.plan_id),
        "messages_sent": messages_for_patient(patient=course.patient, limit=30),
        "stop_form": forms.get("stop_form") or StopForm(),
        "contact_form": forms.get("contact_form")
        or ContactPreferenceForm(initial={"channel": preferred_channel(course.patient)}),
        "can_manage": has_perm(request.user, MANAGE),
        "can_send_link": has_perm(request.user, "portal.send_portal_link"),
        "now": clock.now(),
    }
    return render(request, "recovery/course.html", context)


@login_required
def course_detail(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    return _course_page(request, course_for_user(request.user, public_id))


@login_required
@require_POST
def course_stop_view(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    course = course_for_user(request.user, public_id, MANAGE)
    form = StopForm(request.POST)
    if run_form_action(
        form,
        lambda: course_stop(course=course, by=request.user, reason=form.cleaned_data["reason"]),
    ):
        messages.success(request, "Check-ins stopped; no more messages will be sent.")
        return redirect(course)
    return _course_page(request, course, stop_form=form)


@login_required
@require_POST
def course_contact(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    course = course_for_user(request.user, public_id, MANAGE)
    form = ContactPreferenceForm(request.POST)
    if run_form_action(
        form,
        lambda: contact_preference_set(
            patient=course.patient, channel=form.cleaned_data["channel"], by=request.user
        ),
    ):
        messages.success(request, "Message preference saved.")
        return redirect(course)
    return _course_page(request, course, contact_form=form)


@login_required
def checkin_phone(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """A nurse enters the answers of a check-in given by phone; same triage and tasks."""
    checkin = checkin_for_user(request.user, public_id, MANAGE)
    harvest = profile_for(checkin.course.treatment).harvest
    form = CheckInForm(request.POST or None, harvest=harvest)
    if run_form_action(
        form, lambda: checkin_submit(checkin=checkin, data=form.cleaned_data, by=request.user)
    ):
        messages.success(request, f"Day {checkin.day} check-in recorded: {checkin.level_label}.")
        return redirect(checkin.course)
    context = {
        "checkin": checkin,
        "course": checkin.course,
        "patient": checkin.course.patient,
        "form": form,
    }
    return render(request, "recovery/checkin_phone.html", context)


def _language(request: AuthenticatedHttpRequest, course) -> str:  # noqa: ANN001
    asked = request.GET.get("lang", "")
    return asked if asked in LANGUAGES else (course.patient.preferred_language or "en")


@login_required
def discharge(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    course = course_for_user(request.user, public_id)
    lang = _language(request, course)
    context = {
        "course": course,
        "patient": course.patient,
        "lang": lang,
        "lang_name": LANGUAGES[lang],
    }
    try:
        context["body"] = render_discharge(
            course, language=lang, template="recovery/_discharge_body.html"
        )
    except DomainError as exc:
        context["error"] = exc.message
    return render(request, "recovery/discharge.html", context)


@login_required
def discharge_download(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    course = course_for_user(request.user, public_id)
    lang = _language(request, course)
    try:
        pdf = discharge_pdf(course, language=lang)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("recovery:discharge", public_id=course.public_id)
    name = f"discharge-{course.patient.mrn}-{course.treated_on}-{lang}.pdf"
    document_printed(
        by=request.user, target=course, document=name, patient_public_id=course.patient.public_id
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response

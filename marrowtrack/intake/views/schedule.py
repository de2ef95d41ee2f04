"""Booking pages: book from free slots, reschedule, cancel, and the day/week schedule."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from marrowtrack.accounts.access import require_perm, staff_clinic
from marrowtrack.accounts.http import AuthenticatedHttpRequest
from marrowtrack.core import clock
from marrowtrack.core.forms import run_form_action
from marrowtrack.intake import schedule as schedule_reads
from marrowtrack.intake.access import appointment_for_user, plan_for_user
from marrowtrack.intake.clinictime import at
from marrowtrack.intake.forms import BookingForm, ReasonForm, RescheduleForm, ScheduleFilterForm
from marrowtrack.intake.services import booking

BOOK = "intake.book_appointment"


def _team(data: dict) -> booking.Team:
    return booking.Team(
        room=data["room"],
        physician=data["physician"],
        nurse=data.get("nurse"),
        centrifuge=data.get("centrifuge"),
        lab_tech=data.get("lab_tech"),
    )


def _day(request: HttpRequest) -> date:
    try:
        return date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        return clock.today(getattr(request.user, "clinic", None))


@login_required
def appointment_book(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    plan = plan_for_user(request.user, public_id, BOOK)
    form = BookingForm(request.POST or None, plan=plan)

    def book() -> None:
        data = form.cleaned_data
        starts_at = at(data["day"], data["time"], plan.patient.clinic)
        booking.appointment_book(plan=plan, by=request.user, starts_at=starts_at, team=_team(data))

    if run_form_action(form, book):
        messages.success(request, "Appointment booked.")
        return redirect(plan)
    day = _day(request)
    context = {
        "form": form,
        "plan": plan,
        "patient": plan.patient,
        "day": day,
        "slots": schedule_reads.free_slots_for_plan(plan, day),
        "hold_problems": booking.hold_problems(plan, day),
    }
    return render(request, "intake/booking_form.html", context)


@login_required
def appointment_reschedule(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    appointment = appointment_for_user(request.user, public_id, BOOK)
    plan = appointment.plan
    initial = {**schedule_reads.initial_from(appointment)}
    form = RescheduleForm(request.POST or None, plan=plan, initial=initial)

    def move() -> None:
        data = form.cleaned_data
        booking.appointment_reschedule(
            appointment=appointment,
            by=request.user,
            starts_at=at(data["day"], data["time"], plan.patient.clinic),
            reason=data["reason"],
            team=_team(data),
        )

    if run_form_action(form, move):
        messages.success(request, "Appointment moved.")
        return redirect(plan)
    context = {"form": form, "plan": plan, "patient": plan.patient, "appointment": appointment}
    return render(request, "intake/booking_form.html", context)


@login_required
def appointment_cancel(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    appointment = appointment_for_user(request.user, public_id, BOOK)
    form = ReasonForm(request.POST or None)
    if run_form_action(
        form,
        lambda: booking.appointment_cancel(
            appointment=appointment, by=request.user, **form.cleaned_data
        ),
    ):
        messages.success(request, "Appointment cancelled.")
        return redirect(appointment.plan)
    starts = clock.stamp(appointment.starts_at, appointment.clinic)
    context = {
        "form": form,
        "plan": appointment.plan,
        "title": f"Cancel the appointment of {starts}",
        "button": "Cancel appointment",
    }
    return render(request, "intake/simple_form.html", context)


@login_required
def schedule(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_perm(request.user, "intake.view_appointment")
    clinic = staff_clinic(request.user)
    choices = schedule_reads.resource_choices(clinic)
    form = ScheduleFilterForm(request.GET or None, choices=choices)
    data = form.cleaned_data if form.is_valid() else {}
    day = data.get("day") or clock.today(clinic)
    week = data.get("view") == "week"
    start = day - timedelta(days=day.weekday()) if week else day
    days = schedule_reads.schedule_days(
        clinic, start=start, days=7 if week else 1, resource=data.get("resource") or ""
    )
    context = {
        "form": form,
        "days": days,
        "week": week,
        "day": day,
        "previous": start - timedelta(days=7 if week else 1),
        "next": start + timedelta(days=7 if week else 1),
        "view": "week" if week else "day",
        "resource": data.get("resource") or "",
    }
    return render(request, "intake/schedule.html", context)


@login_required
def free_slots(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_perm(request.user, BOOK)
    day = _day(request)
    context = {
        "day": day,
        "procedure_slots": schedule_reads.free_slots(staff_clinic(request.user), day, harvest=True),
        "comparator_slots": schedule_reads.free_slots(
            staff_clinic(request.user), day, harvest=False
        ),
    }
    return render(request, "intake/free_slots.html", context)

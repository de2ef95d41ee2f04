"""Working hours and exceptions (holidays, maintenance, leave), for clinic administrators."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from marrowtrack.accounts.access import require_perm, staff_clinic
from marrowtrack.accounts.http import AuthenticatedHttpRequest
from marrowtrack.accounts.models import User
from marrowtrack.core import clock
from marrowtrack.core.forms import run_form_action
from marrowtrack.core.models import Clinic
from marrowtrack.facilities.models import Equipment, Room
from marrowtrack.intake.clinictime import at
from marrowtrack.intake.forms import DateInput, TimeInput
from marrowtrack.intake.models import ResourceException, WorkingHours
from marrowtrack.intake.services.calendar import resource_exception_add, working_hours_set

MANAGE = "intake.change_workinghours"
WEEKDAYS = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]


def resource_choices(clinic: Clinic) -> list[tuple[str, str]]:
    """'clinic' for opening hours, else '<kind>:<public id>' of a room, equipment or person."""
    choices = [("clinic", "Whole clinic (opening hours)")]
    choices += [
        (f"room:{r.public_id}", f"Room: {r.name}") for r in Room.objects.filter(clinic=clinic)
    ]
    choices += [
        (f"equipment:{e.public_id}", f"Equipment: {e.name}")
        for e in Equipment.objects.filter(clinic=clinic)
    ]
    choices += [
        (f"staff:{u.public_id}", f"Staff: {u.printed_name}")
        for u in User.objects.filter(clinic=clinic, is_active=True)
    ]
    return choices


def resource_from_choice(clinic: Clinic, value: str) -> Model | None:
    if value == "clinic":
        return None
    kind, public_id = value.split(":", 1)
    model = {"room": Room, "equipment": Equipment, "staff": User}[kind]
    return model.objects.get(public_id=public_id, clinic=clinic)


class HoursForm(forms.Form):
    resource = forms.ChoiceField()
    weekday = forms.TypedChoiceField(choices=WEEKDAYS, coerce=int)
    starts = forms.TimeField(required=False, widget=TimeInput(), label="From")
    ends = forms.TimeField(
        required=False,
        widget=TimeInput(),
        label="To",
        help_text="Leave both empty to mark the day closed.",
    )

    def __init__(self, *args: Any, resources: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["resource"].choices = resources

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if bool(data.get("starts")) != bool(data.get("ends")):
            raise forms.ValidationError("Give both times, or neither to close the day.")
        return data


class ExceptionForm(forms.Form):
    resource = forms.ChoiceField()
    kind = forms.ChoiceField(choices=ResourceException.Kind.choices)
    day_from = forms.DateField(widget=DateInput(), label="From day")
    time_from = forms.TimeField(widget=TimeInput(), label="From time")
    day_to = forms.DateField(widget=DateInput(), label="To day")
    time_to = forms.TimeField(widget=TimeInput(), label="To time")
    reason = forms.CharField(max_length=200)

    def __init__(self, *args: Any, resources: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["resource"].choices = resources


def _save_hours(request: HttpRequest, form: HoursForm) -> None:
    data = form.cleaned_data
    clinic = staff_clinic(request.user)
    hours = [(data["starts"], data["ends"])] if data["starts"] else []
    working_hours_set(
        clinic=clinic,
        by=request.user,
        resource=resource_from_choice(clinic, data["resource"]),
        weekday=data["weekday"],
        hours=hours,
    )


def _save_exception(request: HttpRequest, form: ExceptionForm) -> None:
    data, clinic = form.cleaned_data, staff_clinic(request.user)
    starts: datetime = at(data["day_from"], data["time_from"], clinic)
    ends: datetime = at(data["day_to"], data["time_to"], clinic)
    resource_exception_add(
        clinic=clinic,
        by=request.user,
        resource=resource_from_choice(clinic, data["resource"]),
        kind=data["kind"],
        starts_at=starts,
        ends_at=ends,
        reason=data["reason"],
    )


@login_required
def availability(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_perm(request.user, MANAGE)
    clinic = staff_clinic(request.user)
    which = request.POST.get("form")
    resources = resource_choices(clinic)
    hours_form = HoursForm(request.POST if which == "hours" else None, resources=resources)
    exception_form = ExceptionForm(
        request.POST if which == "exception" else None, resources=resources
    )
    for name, form, save in (
        ("hours", hours_form, _save_hours),
        ("exception", exception_form, _save_exception),
    ):
        if which == name and run_form_action(form, partial(save, request, form)):
            messages.success(request, "Availability saved.")
            return redirect("intake:availability")
    context = {
        "hours_form": hours_form,
        "exception_form": exception_form,
        "hours": [
            (row, dict(WEEKDAYS)[row.weekday])
            for row in WorkingHours.objects.filter(clinic=clinic).select_related(
                "room", "equipment", "staff"
            )
        ],
        "exceptions": ResourceException.objects.filter(
            clinic=clinic, ends_at__gte=clock.now()
        ).select_related("room", "equipment", "staff"),
    }
    return render(request, "intake/availability.html", context)

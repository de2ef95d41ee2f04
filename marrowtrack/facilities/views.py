"""The clinic administrator's pages: rooms, equipment (with calibration dates) and kit lots.
Each view parses, checks access, calls one service and renders."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from marrowtrack.accounts.access import require_perm, staff_clinic
from marrowtrack.accounts.http import AuthenticatedHttpRequest
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError
from marrowtrack.core.forms import form_status, run_form_action
from marrowtrack.facilities import forms, selectors, services
from marrowtrack.facilities.access import facility_for_user
from marrowtrack.facilities.models import Equipment, KitLot, Room
from marrowtrack.facilities.permissions import (
    CHANGE_EQUIPMENT,
    CHANGE_KIT_LOT,
    CHANGE_ROOM,
    VIEW_EQUIPMENT,
)


@login_required
def overview(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The administrator keeps equipment, kit lots and rooms; the lab reads them."""
    require_perm(request.user, VIEW_EQUIPMENT)
    clinic = staff_clinic(request.user)
    context = selectors.facilities_overview(clinic_id=clinic.pk, today=clock.today(clinic))
    return render(request, "facilities/overview.html", context)


def _form_page(
    request: HttpRequest, form: Any, save: Any, *, title: str, instance: Any = None, **extra: Any
) -> HttpResponse:
    if done := run_form_action(form, lambda: save(form)):
        saved = done.value
        messages.success(request, f"Saved: {saved}.")
        return redirect("facilities:overview")
    context = {"form": form, "title": title, "instance": instance, **extra}
    return render(request, "facilities/form.html", context, status=form_status(form))


@login_required
def room_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_perm(request.user, CHANGE_ROOM)
    form = forms.RoomForm(request.POST or None)
    return _form_page(
        request,
        form,
        lambda f: services.room_save(by=request.user, data=f.values),
        title="New room",
    )


@login_required
def room_edit(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    room = facility_for_user(Room, request.user, public_id)
    form = forms.RoomForm(request.POST or None, instance=Room.objects.get(pk=room.pk))
    return _form_page(
        request,
        form,
        lambda f: services.room_save(
            by=request.user, data=f.values, room=room, version=f.read_version
        ),
        title=f"Room: {room}",
        instance=room,
    )


@login_required
def equipment_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_perm(request.user, CHANGE_EQUIPMENT)
    form = forms.EquipmentForm(request.POST or None)
    return _form_page(
        request,
        form,
        lambda f: services.equipment_save(by=request.user, data=f.values),
        title="New equipment",
    )


@login_required
def equipment_edit(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    item = facility_for_user(Equipment, request.user, public_id)
    form = forms.EquipmentForm(request.POST or None, instance=Equipment.objects.get(pk=item.pk))
    return _form_page(
        request,
        form,
        lambda f: services.equipment_save(
            by=request.user, data=f.values, equipment=item, version=f.read_version
        ),
        title=f"Equipment: {item}",
        instance=item,
    )


@login_required
def kitlot_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_perm(request.user, CHANGE_KIT_LOT)
    form = forms.KitLotForm(
        request.POST or None, initial={"received_on": clock.today(request.user.clinic)}
    )
    return _form_page(
        request,
        form,
        lambda f: services.kit_lot_save(by=request.user, data=f.values),
        title="Receive a kit lot",
    )


@login_required
def kitlot_edit(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    lot = facility_for_user(KitLot, request.user, public_id)
    form = forms.KitLotForm(request.POST or None, instance=KitLot.objects.get(pk=lot.pk))
    return _form_page(
        request,
        form,
        lambda f: services.kit_lot_save(
            by=request.user, data=f.values, lot=lot, version=f.read_version
        ),
        title=f"Kit lot: {lot}",
        instance=lot,
        status_form=forms.KitLotStatusForm(),
    )


@login_required
@require_POST
def kitlot_status(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    lot = facility_for_user(KitLot, request.user, public_id)
    form = forms.KitLotStatusForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(" ".join(str(m) for ms in form.errors.values() for m in ms))
        services.kit_lot_status_set(by=request.user, lot=lot, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(lot)
    messages.success(request, f"Kit lot {lot.lot_number} is now {lot.get_status_display()}.")
    return redirect("facilities:overview")

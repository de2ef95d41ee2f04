"""Who may open which room, piece of equipment or kit lot: permission (403), clinic (404)."""

from __future__ import annotations

from typing import TypeVar
from uuid import UUID

from django.db.models import Model
from django.http import Http404

from marrowtrack.accounts.access import require_perm, staff_clinic
from marrowtrack.accounts.models import User
from marrowtrack.facilities.models import Equipment, KitLot, Room
from marrowtrack.facilities.permissions import CHANGE_EQUIPMENT, CHANGE_KIT_LOT, CHANGE_ROOM

M = TypeVar("M", Room, Equipment, KitLot)
PERMISSIONS: dict[type[Model], str] = {
    Room: CHANGE_ROOM,
    Equipment: CHANGE_EQUIPMENT,
    KitLot: CHANGE_KIT_LOT,
}


def facility_for_user(model: type[M], user: User, public_id: UUID | str) -> M:
    require_perm(user, PERMISSIONS[model])
    found = model.objects.filter(public_id=public_id, clinic_id=staff_clinic(user).pk).first()
    if found is None:
        raise Http404("Not found in your clinic.")
    return found

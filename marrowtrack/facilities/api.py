"""Facilities endpoints: the equipment and the kit lots a lab client chooses from."""

from __future__ import annotations

from ninja import Router

from marrowtrack.accounts.access import require_perm
from marrowtrack.accounts.http import AuthenticatedHttpRequest
from marrowtrack.core import clock
from marrowtrack.facilities import schemas, selectors
from marrowtrack.facilities.models import Equipment, KitLot
from marrowtrack.facilities.permissions import VIEW_EQUIPMENT, VIEW_KIT_LOT

router = Router(tags=["facilities"])


@router.get("/equipment", response=list[schemas.EquipmentOut])
def equipment_list(request: AuthenticatedHttpRequest):
    require_perm(request.user, VIEW_EQUIPMENT)
    return list(Equipment.objects.filter(clinic_id=request.user.clinic_id))


@router.get("/kit-lots", response=list[schemas.KitLotOut])
def kit_lot_list(request: AuthenticatedHttpRequest, usable: bool = False):
    """Every lot of the clinic, or with ``usable=true`` only those a run may use today."""
    require_perm(request.user, VIEW_KIT_LOT)
    clinic = request.user.clinic
    if usable:
        return list(selectors.usable_kit_lots(clinic_id=clinic.pk, today=clock.today(clinic)))
    return list(KitLot.objects.filter(clinic_id=clinic.pk))

"""Facilities endpoints: the equipment and the kit lots a lab client chooses from."""

from __future__ import annotations

from ninja import Query, Router

from marrowtrack.accounts.access import require_perm
from marrowtrack.accounts.http import AuthenticatedHttpRequest
from marrowtrack.core import clock
from marrowtrack.core.pagination import Page, PageQuery, api_page
from marrowtrack.facilities import schemas, selectors
from marrowtrack.facilities.models import Equipment, KitLot
from marrowtrack.facilities.permissions import VIEW_EQUIPMENT, VIEW_KIT_LOT

router = Router(tags=["facilities"])


@router.get("/equipment", response=Page[schemas.EquipmentOut])
def equipment_list(request: AuthenticatedHttpRequest, page: Query[PageQuery]):
    require_perm(request.user, VIEW_EQUIPMENT)
    equipment = Equipment.objects.filter(clinic_id=request.user.clinic_id)
    return api_page(equipment.order_by("kind", "name", "id"), page)


@router.get("/kit-lots", response=Page[schemas.KitLotOut])
def kit_lot_list(request: AuthenticatedHttpRequest, page: Query[PageQuery], usable: bool = False):
    """Every lot of the clinic, or with ``usable=true`` only those a run may use today."""
    require_perm(request.user, VIEW_KIT_LOT)
    clinic = request.user.clinic
    if usable:
        return api_page(
            selectors.usable_kit_lots(clinic_id=clinic.pk, today=clock.today(clinic)), page
        )
    lots = KitLot.objects.filter(clinic_id=clinic.pk)
    return api_page(lots.order_by("expires_on", "lot_number", "id"), page)

"""Facilities permissions per role (merged into the role groups after migrate)."""

VIEW_ROOM = "facilities.view_room"
CHANGE_ROOM = "facilities.change_room"
VIEW_EQUIPMENT = "facilities.view_equipment"
CHANGE_EQUIPMENT = "facilities.change_equipment"
VIEW_KIT_LOT = "facilities.view_kitlot"
CHANGE_KIT_LOT = "facilities.change_kitlot"

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "clinic_admin": [
        VIEW_ROOM,
        CHANGE_ROOM,
        "facilities.add_room",
        VIEW_EQUIPMENT,
        CHANGE_EQUIPMENT,
        "facilities.add_equipment",
        VIEW_KIT_LOT,
        CHANGE_KIT_LOT,
        "facilities.add_kitlot",
    ],
    # The lab chooses a calibrated centrifuge and a usable kit lot for each run.
    "lab_tech": [VIEW_EQUIPMENT, VIEW_KIT_LOT],
}

"""Recovery permissions per role, merged into the role groups after migrate."""

from __future__ import annotations

_READ = [
    "recovery.view_recoverycourse",
    "recovery.view_checkin",
    "recovery.view_nursetask",
    "recovery.view_adverseevent",
]
_NURSING = [
    *_READ,
    "recovery.manage_checkins",
    "recovery.change_nursetask",
    "recovery.add_adverseevent",
    "recovery.change_adverseevent",
    "recovery.add_adverseeventaddendum",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "nurse": _NURSING,
    "physician": [*_NURSING, "recovery.sign_adverseevent"],
    # Front desk sees who is in recovery (to send a portal link), not the clinical detail.
    "front_desk": ["recovery.view_recoverycourse"],
    "clinic_admin": ["recovery.view_recoverycourse", "recovery.view_adverseevent"],
}

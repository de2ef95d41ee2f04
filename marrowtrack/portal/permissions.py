"""Portal permissions per role: staff may send a patient a sign-in link."""

from __future__ import annotations

_SEND = ["portal.send_portal_link"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "front_desk": _SEND,
    "nurse": _SEND,
    "physician": _SEND,
}

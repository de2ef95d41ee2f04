"""Tokens for single-use sign-in links: a signature (SECRET_KEY, own salt) of the link's
public id. The database holds no token, a resent message carries the same link, and
single use and expiry are enforced on the ``AccessLink`` row by the portal."""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.core.signing import BadSignature, Signer
from django.urls import reverse

from marrowtrack.notifications.models import AccessLink

_SIGNER = Signer(salt="marrowtrack.notifications.access-link")


def link_token(link: AccessLink) -> str:
    return _SIGNER.sign(link.public_id.hex)


def link_public_id(token: str) -> UUID | None:
    """The link id a token names, or None if it was not signed by us."""
    try:
        return UUID(hex=_SIGNER.unsign(token))
    except (BadSignature, ValueError):
        return None


def link_url(link: AccessLink) -> str:
    """The absolute address in the message. The portal serves ``portal:link``."""
    base = settings.MARROWTRACK_BASE_URL.rstrip("/")
    return base + reverse("portal:link", args=[link_token(link)])

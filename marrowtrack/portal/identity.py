"""Finding the patient(s) an email address or mobile number belongs to, and keyed hashes
for rate limiting. Reads only."""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings

from marrowtrack.patients.models import Patient

PHONE_DIGITS = 10  # compare the last 10 digits: a leading country code may differ


def normalise(identifier: str) -> str:
    text = (identifier or "").strip().lower()
    if "@" in text:
        return text
    return re.sub(r"\D", "", text)


def keyed_hash(value: str) -> str:
    """HMAC with the secret key: counts attempts without storing addresses or emails."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def patients_for(identifier: str) -> list[Patient]:
    """Active patients whose email or mobile number is ``identifier`` (several may share an
    email; each gets its own link and its own session)."""
    key = normalise(identifier)
    live = Patient.objects.filter(archived_at__isnull=True).select_related("clinic")
    if "@" in key:
        return list(live.filter(email__iexact=key))
    if len(key) < 7:
        return []
    tail = key[-PHONE_DIGITS:]
    candidates = live.filter(phone__endswith=key[-2:])
    return [p for p in candidates if re.sub(r"\D", "", p.phone)[-PHONE_DIGITS:] == tail]

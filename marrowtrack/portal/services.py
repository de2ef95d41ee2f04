"""Signing patients in and out of the portal (docs/decisions/0009-patient-portal-identity.md).

- A single-use link (``notifications.AccessLink``) is asked for with an email address or
  mobile number, at most 3 times per identifier in 15 minutes and 10 times per address in
  an hour; the answer is the same whether or not a patient matched. Staff may send one too.
- Using the link (a POST, so mail scanners that open links do not spend it) ends it and
  starts a portal session: a random key in its own cookie, only its hash stored, 30
  minutes idle and 12 hours at most.
- A patient who is signed in may set a password; 5 wrong passwords for one identifier in
  15 minutes lock password sign-in for it for 15 minutes.
Every sign-in, refusal and sign-out is on the audit trail, attributed to the patient.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_noop

from marrowtrack.accounts.models import User
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.services import event_record
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError, ValidationFailed
from marrowtrack.notifications.links import link_public_id
from marrowtrack.notifications.models import AccessLink
from marrowtrack.notifications.services.links import access_link_create
from marrowtrack.notifications.services.messages import message_enqueue
from marrowtrack.patients.models import Patient
from marrowtrack.portal.identity import keyed_hash, normalise, patients_for
from marrowtrack.portal.models import PortalAccount, PortalSession, SignInAttempt

REQUESTED_LINK_LIFETIME = timedelta(minutes=30)
STAFF_LINK_LIFETIME = timedelta(hours=72)
IDLE = timedelta(minutes=30)
LONGEST = timedelta(hours=12)
LINK_LIMIT = (3, timedelta(minutes=15))  # per identifier
ADDRESS_LIMIT = (10, timedelta(hours=1))  # per network address
PASSWORD_LIMIT = (5, timedelta(minutes=15))  # failures per identifier
PASSWORD_MIN = 10


class SignInRefused(DomainError):
    """The link or password did not sign anyone in; the message says what to do next."""


class TooManyAttempts(DomainError):
    """A rate limit was reached; the message says when to try again."""


@dataclass(frozen=True)
class Started:
    session: PortalSession
    key: str  # goes into the cookie; only its hash is stored
    target: str


def _label(patient: Patient) -> str:
    return f"patient {patient.full_name} ({patient.mrn}) via portal"


def _audit(patient: Patient, action: str, target: object, note: str, name: str) -> None:
    event_record(
        actor=None,
        action=action,
        target=target,  # type: ignore[arg-type]
        name=name,
        changes={},
        reason=note,
        clinic=patient.clinic,
        patient_public_id=patient.public_id,
        actor_label=_label(patient),
    )


def _count(kind: str, field: str, value: str, within: timedelta, failed_only: bool = False) -> int:
    attempts = SignInAttempt.objects.filter(
        kind=kind, at__gte=clock.now() - within, **{field: value}
    )
    return attempts.filter(succeeded=False).count() if failed_only else attempts.count()


def link_request(*, identifier: str, address: str) -> int:
    """Send a sign-in link to every patient the identifier belongs to; returns how many
    (callers show the same answer whatever it is). Raises TooManyAttempts."""
    key, where = keyed_hash(normalise(identifier)), keyed_hash(address)
    limit, within = LINK_LIMIT
    if _count("link_request", "identifier_hash", key, within) >= limit:
        raise TooManyAttempts(
            gettext_noop("Too many links were asked for. Please try again in 15 minutes.")
        )
    limit, within = ADDRESS_LIMIT
    if _count("link_request", "address_hash", where, within) >= limit:
        raise TooManyAttempts(
            gettext_noop("Too many requests from this network. Please try again later.")
        )
    SignInAttempt.objects.create(
        kind="link_request", identifier_hash=key, address_hash=where, at=clock.now()
    )
    patients = patients_for(identifier)
    for patient in patients:
        link_send(patient=patient, by=None)
    return len(patients)


def link_send(*, patient: Patient, by: User | None) -> AccessLink:
    """Queue a sign-in link to the patient's preferred channel (a requested link is not
    held back by quiet hours: the patient is waiting for it)."""
    lifetime = STAFF_LINK_LIFETIME if by else REQUESTED_LINK_LIFETIME
    with transaction.atomic():
        link = access_link_create(
            patient=patient,
            purpose="sign_in",
            target=reverse("portal:home"),
            lifetime=lifetime,
            by=by,
        )
        message_enqueue(
            patient=patient,
            purpose="portal.sign_in",
            about=f"link:{link.public_id}",
            template="portal/messages/sign_in",
            context={
                "hours": int(lifetime.total_seconds() // 3600),
                "minutes": int(lifetime.total_seconds() // 60),
            },
            link=link,
            quiet_hours=by is not None,
            expires_at=link.expires_at,
            by=by,
        )
    return link


def link_peek(token: str) -> AccessLink:
    """The usable link a token names (for the confirmation page); nothing is spent."""
    public_id = link_public_id(token)
    link = (
        AccessLink.objects.select_related("patient__clinic").filter(public_id=public_id).first()
        if public_id
        else None
    )
    if link is None or link.used_at is not None or link.expires_at <= clock.now():
        raise SignInRefused(gettext_noop("This link has expired or was already used."))
    if link.patient.is_archived:
        raise SignInRefused(gettext_noop("This link can no longer be used."))
    return link


def _session_start(patient: Patient, method: str) -> tuple[PortalSession, str]:
    key = secrets.token_urlsafe(32)
    now = clock.now()
    session = PortalSession.objects.create(
        patient=patient,
        key_hash=hashlib.sha256(key.encode()).hexdigest(),
        method=method,
        last_seen_at=now,
        expires_at=now + LONGEST,
    )
    return session, key


def link_use(*, token: str) -> Started:
    """Spend the link (single use, even under two simultaneous clicks) and sign in."""
    peeked = link_peek(token)
    with transaction.atomic():
        link = (
            AccessLink.objects.select_for_update()
            .select_related("patient__clinic")
            .get(pk=peeked.pk)
        )
        if link.used_at is not None or link.expires_at <= clock.now():
            raise SignInRefused(gettext_noop("This link has expired or was already used."))
        link.used_at = clock.now()
        link.save(update_fields=["used_at", "updated_at"])
        session, key = _session_start(link.patient, PortalSession.Method.LINK)
        _audit(
            link.patient,
            AuditAction.LOGIN,
            session,
            f"portal sign-in by link ({link.purpose})",
            "portal.sign_in",
        )
    return Started(session, key, link.target)


def password_sign_in(*, identifier: str, password: str, address: str) -> Started:
    """Sign in with the password the patient set; refuses after repeated failures."""
    key, where = keyed_hash(normalise(identifier)), keyed_hash(address)
    limit, within = PASSWORD_LIMIT
    if _count("password", "identifier_hash", key, within, failed_only=True) >= limit:
        raise TooManyAttempts(
            gettext_noop(
                "Too many wrong passwords. Please try again in 15 minutes, or ask for a link."
            )
        )
    matches = [
        account
        for account in PortalAccount.objects.filter(patient__in=patients_for(identifier))
        if check_password(password, account.password)
    ]
    # The attempt is stored before any refusal, so a refused attempt still counts.
    SignInAttempt.objects.create(
        kind="password",
        identifier_hash=key,
        address_hash=where,
        at=clock.now(),
        succeeded=len(matches) == 1,
    )
    if len(matches) != 1:
        raise SignInRefused(gettext_noop("That email or mobile number and password do not match."))
    patient = matches[0].patient
    with transaction.atomic():
        session, raw = _session_start(patient, PortalSession.Method.PASSWORD)
        _audit(patient, AuditAction.LOGIN, session, "portal sign-in by password", "portal.sign_in")
    return Started(session, raw, reverse("portal:home"))


def session_for_key(key: str) -> PortalSession | None:
    """The live session a cookie names (sliding the idle time), or None."""
    if not key:
        return None
    session = (
        PortalSession.objects.select_related("patient__clinic")
        .filter(key_hash=hashlib.sha256(key.encode()).hexdigest(), ended_at__isnull=True)
        .first()
    )
    now = clock.now()
    if session is None or session.expires_at <= now or session.last_seen_at + IDLE <= now:
        return None
    if now - session.last_seen_at > timedelta(minutes=1):  # one write a minute at most
        session.last_seen_at = now
        session.save(update_fields=["last_seen_at", "updated_at"])
    return session


def session_end(*, session: PortalSession) -> None:
    with transaction.atomic():
        session.ended_at = clock.now()
        session.save(update_fields=["ended_at", "updated_at"])
        _audit(session.patient, AuditAction.LOGOUT, session, "portal sign-out", "portal.sign_out")


def password_set(*, session: PortalSession, password: str, confirm: str) -> PortalAccount:
    """Set or change the patient's password (they are signed in, so they are who they say)."""
    if len(password) < PASSWORD_MIN:
        raise ValidationFailed({"password": [f"Use at least {PASSWORD_MIN} characters."]})
    if password != confirm:
        raise ValidationFailed({"confirm": ["The two passwords are not the same."]})
    patient = session.patient
    with transaction.atomic():
        account, _ = PortalAccount.objects.update_or_create(
            patient=patient,
            defaults={"password": make_password(password), "password_set_at": clock.now()},
        )
        _audit(patient, AuditAction.UPDATE, account, "portal password set", "portal.password_set")
    return account

"""The bookable resources of a clinic and their calendars, loaded for `availability`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from django.db.models import F, Model, Q, QuerySet

from marrowtrack.accounts.models import User
from marrowtrack.accounts.roles import Role
from marrowtrack.core.models import Clinic
from marrowtrack.facilities.models import Equipment, Room
from marrowtrack.intake.availability import CLINIC, Block, Calendar, Candidate, Hours
from marrowtrack.intake.clinictime import clinic_tz
from marrowtrack.intake.models import Appointment, ResourceException, WorkingHours

STAFF_FIELDS = ("physician", "nurse", "lab_tech")


def key_of(resource: Model) -> str:
    if isinstance(resource, Room):
        return f"room:{resource.pk}"
    if isinstance(resource, Equipment):
        return f"equipment:{resource.pk}"
    return f"staff:{resource.pk}"


def candidate(resource: Model) -> Candidate:
    if isinstance(resource, User):
        return Candidate(key_of(resource), resource.printed_name)
    return Candidate(key_of(resource), str(resource))


def staff_with_role(clinic: Clinic, role: str) -> QuerySet[User]:
    return User.objects.filter(clinic=clinic, is_active=True, groups__name=role).order_by("pk")


def staff_by_role(clinic: Clinic, roles: Sequence[str]) -> dict[str, list[User]]:
    """Active staff of the clinic in each role, from one query (the schedule's filter used
    to ask once per role)."""
    found: dict[str, list[User]] = {role: [] for role in roles}
    rows = (
        User.objects.filter(clinic=clinic, is_active=True, groups__name__in=list(roles))
        .annotate(role_name=F("groups__name"))
        .order_by("pk")
    )
    for user in rows:
        found[user.role_name].append(user)
    return found


def has_role(user: User, role: str) -> bool:
    return user.groups.filter(name=role).exists()


def procedure_rooms(clinic: Clinic, *, fluoroscopy: bool) -> QuerySet[Room]:
    rooms = Room.objects.filter(clinic=clinic, active=True, kind=Room.Kind.PROCEDURE)
    return rooms.filter(has_fluoroscopy=True) if fluoroscopy else rooms


def centrifuges(clinic: Clinic) -> QuerySet[Equipment]:
    return Equipment.objects.filter(clinic=clinic, active=True, kind=Equipment.Kind.CENTRIFUGE)


def needs_for(clinic: Clinic, *, harvest: bool) -> dict[str, list[Candidate]]:
    """What an appointment needs: a harvest adds fluoroscopy, a centrifuge and the lab."""
    needs = {
        "room": [candidate(r) for r in procedure_rooms(clinic, fluoroscopy=harvest)],
        "physician": [candidate(u) for u in staff_with_role(clinic, Role.PHYSICIAN)],
        "nurse": [candidate(u) for u in staff_with_role(clinic, Role.NURSE)],
    }
    if harvest:
        needs["centrifuge"] = [candidate(e) for e in centrifuges(clinic)]
        needs["lab_tech"] = [candidate(u) for u in staff_with_role(clinic, Role.LAB_TECH)]
    return needs


def _key_filter(keys: Iterable[str]) -> Q:
    query = Q(room=None, equipment=None, staff=None)
    for key in keys:
        kind, pk = key.split(":")
        query |= Q(**{f"{'staff' if kind == 'staff' else kind}_id": int(pk)})
    return query


def _row_key(row: WorkingHours | ResourceException) -> str:
    if row.room_id:
        return f"room:{row.room_id}"
    if row.equipment_id:
        return f"equipment:{row.equipment_id}"
    return f"staff:{row.staff_id}" if row.staff_id else CLINIC


def _appointment_keys(appointment: Appointment) -> list[str]:
    keys = [f"room:{appointment.room_id}", f"staff:{appointment.physician_id}"]
    if appointment.centrifuge_id:
        keys.append(f"equipment:{appointment.centrifuge_id}")
    keys += [f"staff:{pk}" for pk in (appointment.nurse_id, appointment.lab_tech_id) if pk]
    return keys


def calendar_for(
    clinic: Clinic,
    *,
    start: datetime,
    end: datetime,
    keys: Sequence[str] | None = None,
    ignore: Appointment | None = None,
) -> Calendar:
    """Hours, exceptions and active appointments touching ``start``-``end`` for ``keys``
    (all of the clinic's resources when None)."""
    hours: dict[str, list[Hours]] = {}
    blocks: dict[str, list[Block]] = {}
    rows = WorkingHours.objects.filter(clinic=clinic)
    exceptions = ResourceException.objects.filter(
        clinic=clinic, starts_at__lt=end, ends_at__gt=start
    )
    if keys is not None:
        rows, exceptions = rows.filter(_key_filter(keys)), exceptions.filter(_key_filter(keys))
    for row in rows:
        hours.setdefault(_row_key(row), []).append(Hours(row.weekday, row.starts, row.ends))
    for exc in exceptions:
        reason = f"{exc.get_kind_display().lower()} ({exc.reason})"
        blocks.setdefault(_row_key(exc), []).append(Block(exc.starts_at, exc.ends_at, reason))
    busy = Appointment.objects.filter(
        clinic=clinic, status__in=Appointment.HOLDS_TIME, starts_at__lt=end, ends_at__gt=start
    ).exclude(pk=ignore.pk if ignore else None)
    for appt in busy:
        local = appt.starts_at.astimezone(clinic_tz(clinic))
        reason = f"already booked {local:%H:%M}-{appt.ends_at.astimezone(clinic_tz(clinic)):%H:%M}"
        for key in _appointment_keys(appt):
            blocks.setdefault(key, []).append(Block(appt.starts_at, appt.ends_at, reason))
    return Calendar(tz=clinic_tz(clinic), hours=hours, blocks=blocks)


def day_span(clinic: Clinic, day: date, days: int = 1) -> tuple[datetime, datetime]:
    tz = clinic_tz(clinic)
    start = datetime(day.year, day.month, day.day, tzinfo=tz)
    return start, start + timedelta(days=days)

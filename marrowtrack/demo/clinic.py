"""Demo step: two clinics, rooms, equipment and one account per role."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from marrowtrack.accounts.models import User
from marrowtrack.accounts.roles import Role, role_group
from marrowtrack.core.models import Clinic
from marrowtrack.demo.context import DemoContext
from marrowtrack.facilities.models import Equipment, KitLot, Room

DEMO_PASSWORD = "marrowtrack-demo"  # noqa: S105 - printed for the demo on purpose

STAFF = [
    ("desk", Role.FRONT_DESK, "Dana", "Reyes", ""),
    ("nurse", Role.NURSE, "Nora", "Okafor", "RN"),
    ("doctor", Role.PHYSICIAN, "Samuel", "Hart", "MD"),
    ("lab", Role.LAB_TECH, "Lena", "Park", "MLS"),
    ("admin", Role.CLINIC_ADMIN, "Alex", "Morgan", ""),
    ("research", Role.RESEARCHER, "Riya", "Iyer", "PhD"),
]


def _user(ctx: DemoContext, clinic: Clinic, spec: tuple[str, Role, str, str, str]) -> User:
    username, role, first, last, credentials = spec
    user = User.objects.create_user(
        username=username,
        password=DEMO_PASSWORD,
        first_name=first,
        last_name=last,
        email=f"{username}@{clinic.code}.example",
        clinic=clinic,
        display_name=f"{first} {last}",
        credentials=credentials,
    )
    user.groups.add(role_group(role))
    return user


def _rooms_and_equipment(ctx: DemoContext, clinic: Clinic) -> None:
    Room.objects.bulk_create(
        [
            Room(clinic=clinic, name="Procedure Room 1", kind="procedure", has_fluoroscopy=True),
            Room(clinic=clinic, name="Procedure Room 2", kind="procedure", has_ultrasound=True),
            Room(clinic=clinic, name="Consult Room A", kind="consult"),
            Room(clinic=clinic, name="Cell Processing Lab", kind="lab"),
            Room(clinic=clinic, name="Recovery Bay", kind="recovery"),
        ]
    )
    due = ctx.today + timedelta(days=120)
    Equipment.objects.bulk_create(
        [
            Equipment(
                clinic=clinic,
                name="Centrifuge A",
                kind="centrifuge",
                serial_number="CF-1021",
                rotor_radius_cm=Decimal("10.00"),
                calibration_due=due,
            ),
            Equipment(
                clinic=clinic,
                name="Centrifuge B",
                kind="centrifuge",
                serial_number="CF-1022",
                rotor_radius_cm=Decimal("10.00"),
                calibration_due=due + timedelta(days=30),
            ),
            Equipment(clinic=clinic, name="C-arm 1", kind="fluoroscope", serial_number="FL-330"),
            Equipment(
                clinic=clinic, name="Cell counter", kind="cell_counter", serial_number="HC-7"
            ),
        ]
    )
    KitLot.objects.bulk_create(
        [
            KitLot(
                clinic=clinic,
                device="Angel",
                lot_number=lot,
                expires_on=ctx.today + timedelta(days=days),
                received_on=ctx.today - timedelta(days=200 - days),
                quantity_received=60,
                quantity_used=used,
            )
            for lot, days, used in (("KIT-A15", -10, 52), ("KIT-A16", 45, 40), ("KIT-A17", 150, 6))
        ]
    )


def seed(ctx: DemoContext) -> None:
    ctx.clinic = Clinic.objects.create(
        name="Riverside Joint & Spine Clinic",
        code="riverside",
        facility_code="W1234",
        phone="(555) 010-2000",
        address="200 River Rd, Springfield",
    )
    ctx.other_clinic = Clinic.objects.create(
        name="Northgate Pain Center",
        code="northgate",
        facility_code="W5678",
        phone="(555) 010-3000",
        address="18 North Gate Ave, Springfield",
    )
    for clinic in (ctx.clinic, ctx.other_clinic):
        _rooms_and_equipment(ctx, clinic)
    ctx.staff = {spec[0]: _user(ctx, ctx.clinic, spec) for spec in STAFF}
    ctx.staff["northgate_nurse"] = _user(
        ctx, ctx.other_clinic, ("northgate_nurse", Role.NURSE, "Nia", "Brooks", "RN")
    )
    ctx.log.append("2 clinics, 10 rooms, 8 pieces of equipment, 6 kit lots, 7 staff accounts")

"""The clinic administrator runs rooms, equipment (calibration dates) and kit lots (managed
stock, expiry, recall): services audited, pages and endpoints refusing the outsider."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from marrowtrack.audit.models import AuditEvent
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError, SafetyRefusal, StaleEdit, ValidationFailed
from marrowtrack.core.models import FACILITY_CODE_RE, Clinic
from marrowtrack.facilities import services
from marrowtrack.facilities.models import Equipment, KitLot, Room
from marrowtrack.facilities.selectors import usable_kit_lots
from marrowtrack.lab.isbt128 import FACILITY_RE
from marrowtrack.procedures.tests.test_api import Api

pytestmark = pytest.mark.django_db


def _lot_data(**overrides):
    today = clock.today()
    return {
        "device": "Angel",
        "lot_number": "KIT-B2",
        "expires_on": today + timedelta(days=90),
        "received_on": today,
        "quantity_received": 2,
        **overrides,
    }


def test_the_administrator_receives_a_kit_lot_and_it_is_audited(staff) -> None:
    lot = services.kit_lot_save(by=staff["clinic_admin"], data=_lot_data())
    assert (lot.clinic, lot.remaining, lot.status) == (staff["clinic_admin"].clinic, 2, "available")
    event = AuditEvent.objects.get(entity="facilities.kitlot", action="create")
    assert event.changes["lot_number"] == {"old": None, "new": "KIT-B2"}


@pytest.mark.parametrize("role", ["lab_tech", "nurse", "researcher"])
def test_only_the_administrator_manages_facilities(staff, role) -> None:
    with pytest.raises(PermissionDenied):
        services.kit_lot_save(by=staff[role], data=_lot_data())
    assert not KitLot.objects.exists()


def test_a_lot_cannot_expire_before_it_was_received(staff) -> None:
    today = clock.today()
    with pytest.raises(ValidationFailed, match="expires before"):
        services.kit_lot_save(
            by=staff["clinic_admin"], data=_lot_data(expires_on=today - timedelta(days=1))
        )


def test_using_a_kit_takes_one_and_the_last_kit_only_once(staff) -> None:
    lot = services.kit_lot_save(by=staff["clinic_admin"], data=_lot_data())
    today = clock.today()
    for _ in range(2):
        with transaction.atomic():
            services.kit_lot_use(lot=lot, by=staff["lab_tech"], today=today)
    with pytest.raises(SafetyRefusal, match="No kits"), transaction.atomic():
        services.kit_lot_use(lot=lot, by=staff["lab_tech"], today=today)
    lot.refresh_from_db()
    assert lot.quantity_used == 2


def test_an_expired_lot_is_not_usable_on_its_expiry_date_plus_one(staff) -> None:
    today = clock.today()
    lot = services.kit_lot_save(by=staff["clinic_admin"], data=_lot_data(expires_on=today))
    assert list(usable_kit_lots(clinic_id=lot.clinic_id, today=today)) == [lot]
    tomorrow = today + timedelta(days=1)
    assert list(usable_kit_lots(clinic_id=lot.clinic_id, today=tomorrow)) == []
    assert "expired on" in lot.unusable_reason(tomorrow)


def test_a_recall_is_final_and_audited_with_its_reason(staff) -> None:
    admin = staff["clinic_admin"]
    lot = services.kit_lot_save(by=admin, data=_lot_data())
    with pytest.raises(ValidationFailed):
        services.kit_lot_status_set(by=admin, lot=lot, status="recalled", reason="")
    services.kit_lot_status_set(by=admin, lot=lot, status="recalled", reason="FSN 2026-14")
    with pytest.raises(DomainError, match="cannot become available"):
        services.kit_lot_status_set(by=admin, lot=lot, status="available", reason="mistake")
    assert usable_kit_lots(clinic_id=lot.clinic_id, today=clock.today()).count() == 0
    event = AuditEvent.objects.filter(entity="facilities.kitlot", action="update").get()
    assert event.reason == "FSN 2026-14"


def test_a_withdrawn_lot_can_return_to_use(staff) -> None:
    admin = staff["clinic_admin"]
    lot = services.kit_lot_save(by=admin, data=_lot_data())
    services.kit_lot_status_set(by=admin, lot=lot, status="withdrawn", reason="Box damaged")
    services.kit_lot_status_set(by=admin, lot=lot, status="available", reason="Box checked")
    assert lot.status == "available"


def test_a_centrifuge_needs_its_rotor_radius_and_calibration_changes_are_audited(staff) -> None:
    admin = staff["clinic_admin"]
    data = {"name": "Centrifuge Z", "kind": "centrifuge", "calibration_due": clock.today()}
    with pytest.raises(ValidationFailed, match="rotor radius"):
        services.equipment_save(by=admin, data=data)
    item = services.equipment_save(by=admin, data={**data, "rotor_radius_cm": Decimal("9.5")})
    later = clock.today() + timedelta(days=180)
    services.equipment_save(
        by=admin, equipment=item, data={"calibration_due": later}, version=item.version
    )
    event = AuditEvent.objects.filter(entity="facilities.equipment", action="update").get()
    assert event.changes["calibration_due"]["new"] == later.isoformat()


def test_room_names_are_unique_in_a_clinic(staff) -> None:
    admin = staff["clinic_admin"]
    services.room_save(by=admin, data={"name": "Procedure Room 9", "kind": "procedure"})
    with pytest.raises(ValidationFailed):
        services.room_save(by=admin, data={"name": "Procedure Room 9", "kind": "procedure"})
    assert Room.objects.count() == 1


def test_a_room_name_in_other_letters_is_refused_on_the_name_field(staff) -> None:
    admin = staff["clinic_admin"]
    services.room_save(by=admin, data={"name": "Procedure Room 9", "kind": "procedure"})
    with pytest.raises(ValidationFailed) as refused:
        services.room_save(by=admin, data={"name": "procedure ROOM 9", "kind": "procedure"})
    assert refused.value.errors == {"name": ["Your clinic already has a room with this name."]}
    assert Room.objects.count() == 1


@pytest.mark.parametrize(
    ("make", "again"),
    [
        (
            lambda clinic: Room.objects.create(clinic=clinic, name="Bay 2", kind="recovery"),
            lambda clinic: Room.objects.create(clinic=clinic, name="BAY 2", kind="procedure"),
        ),
        (
            lambda clinic: Equipment.objects.create(
                clinic=clinic, name="Spin A", kind="centrifuge"
            ),
            lambda clinic: Equipment.objects.create(
                clinic=clinic, name="spin a", kind="centrifuge"
            ),
        ),
        (
            lambda clinic: KitLot.objects.create(clinic=clinic, **_lot_data()),
            lambda clinic: KitLot.objects.create(
                clinic=clinic, **_lot_data(device="ANGEL", lot_number="kit-b2")
            ),
        ),
    ],
    ids=["room", "equipment", "kit lot"],
)
def test_the_database_refuses_a_duplicate_code_in_a_clinic(
    staff, other_clinic, make, again
) -> None:
    """Past the forms and services: the database itself, whatever the letter case."""
    make(staff["clinic_admin"].clinic)
    with pytest.raises(IntegrityError), transaction.atomic():
        again(staff["clinic_admin"].clinic)
    again(other_clinic)  # another clinic may use the same code


def test_the_form_says_a_duplicate_kit_lot_beside_its_lot_number(client_for, staff) -> None:
    services.kit_lot_save(by=staff["clinic_admin"], data=_lot_data())
    today = clock.today()
    response = client_for(staff["clinic_admin"]).post(
        "/facilities/kit-lots/new/",
        {
            "device": "angel",
            "lot_number": "kit-b2",
            "expires_on": (today + timedelta(days=30)).isoformat(),
            "received_on": today.isoformat(),
            "quantity_received": "10",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "lot_number": ["This lot of this kit is already in your clinic's stock."]
    }
    assert "already in your clinic&#x27;s stock" in response.content.decode()
    assert KitLot.objects.count() == 1


def test_a_concurrent_duplicate_is_reported_on_the_naming_field(staff, monkeypatch) -> None:
    """Two administrators saving at once: the check passes for both, the database refuses
    the second, and the service says so on the lot number (not on the device)."""
    admin = staff["clinic_admin"]
    services.kit_lot_save(by=admin, data=_lot_data())
    monkeypatch.setattr(KitLot, "validate_constraints", lambda self, exclude=None: None)
    with pytest.raises(ValidationFailed) as refused:
        services.kit_lot_save(by=admin, data=_lot_data(lot_number="Kit-B2"))
    assert refused.value.errors == {
        "lot_number": ["This lot of this kit is already in your clinic's stock."]
    }


def test_the_facility_code_rule_is_one_letter_other_than_o_and_four_digits(clinic) -> None:
    assert FACILITY_CODE_RE.pattern == FACILITY_RE.pattern
    for code in ("O1234", "12345", "W12", "w1234"):
        clinic.facility_code = code
        with pytest.raises(ValidationError, match="one capital letter other than O"):
            clinic.full_clean()
    clinic.facility_code = "W1234"
    clinic.full_clean()
    assert Clinic.objects.filter(pk=clinic.pk).exists()


# --- Pages and endpoints -----------------------------------------------------------------


def test_the_administrator_pages_list_and_receive_a_kit_lot(client_for, staff) -> None:
    client = client_for(staff["clinic_admin"])
    assert client.get("/facilities/").status_code == 200
    today = clock.today()
    response = client.post(
        "/facilities/kit-lots/new/",
        {
            "device": "Angel",
            "lot_number": "KIT-C3",
            "expires_on": (today + timedelta(days=30)).isoformat(),
            "received_on": today.isoformat(),
            "quantity_received": "10",
        },
    )
    assert response.status_code == 302
    lot = KitLot.objects.get(lot_number="KIT-C3")
    response = client.post(
        f"/facilities/kit-lots/{lot.public_id}/status/",
        {"status": "recalled", "reason": "Manufacturer recall"},
    )
    assert response.status_code == 302
    page = client.get("/facilities/").content.decode()
    assert "KIT-C3" in page and "recalled: Manufacturer recall" in page


def test_facility_pages_refuse_other_roles_and_outsiders(
    client_for, staff, make_user, other_clinic
) -> None:
    lot = services.kit_lot_save(by=staff["clinic_admin"], data=_lot_data())
    item = Equipment.objects.create(clinic=lot.clinic, name="C-arm", kind="fluoroscope")
    outsider = make_user("clinic_admin", at=other_clinic)
    for url in (
        f"/facilities/kit-lots/{lot.public_id}/",
        f"/facilities/equipment/{item.public_id}/",
    ):
        assert client_for(outsider).get(url).status_code == 404, url
        assert client_for(staff["lab_tech"]).get(url).status_code == 403, url
    assert client_for(staff["nurse"]).get("/facilities/").status_code == 403
    response = client_for(outsider).post(
        f"/facilities/kit-lots/{lot.public_id}/status/", {"status": "recalled", "reason": "x y"}
    )
    assert response.status_code == 404
    lot.refresh_from_db()
    assert lot.status == "available"


def test_the_lab_lists_usable_kit_lots_through_the_api(staff, make_user, other_clinic) -> None:
    admin = staff["clinic_admin"]
    services.kit_lot_save(by=admin, data=_lot_data())
    old = services.kit_lot_save(
        by=admin,
        data=_lot_data(
            lot_number="KIT-OLD",
            received_on=clock.today() - timedelta(days=400),
            expires_on=clock.today() - timedelta(days=1),
        ),
    )
    api = Api(staff["lab_tech"])
    assert {r["lot_number"] for r in api.get("/facilities/kit-lots").json()["items"]} == {
        "KIT-B2",
        old.lot_number,
    }
    usable = api.get("/facilities/kit-lots", usable="true").json()["items"]
    assert [r["lot_number"] for r in usable] == ["KIT-B2"]
    outsider = Api(make_user("lab_tech", at=other_clinic))
    assert outsider.get("/facilities/kit-lots").json()["items"] == []
    assert Api(staff["researcher"]).get("/facilities/kit-lots").status_code == 403
    assert Api(staff["researcher"]).get("/facilities/equipment").status_code == 403


def test_the_second_of_two_edits_of_a_room_is_refused_on_the_page(
    client_for, staff, make_user
) -> None:
    room = services.room_save(
        by=staff["clinic_admin"], data={"name": "Procedure Room 1", "kind": "procedure"}
    )
    url = f"/facilities/rooms/{room.public_id}/"
    opened = {"name": "Procedure Room 1", "kind": "procedure", "active": "on", "version": "1"}
    first = client_for(staff["clinic_admin"]).post(url, {**opened, "has_ultrasound": "on"})
    assert first.status_code == 302
    second = client_for(make_user("clinic_admin")).post(url, {**opened, "name": "Room One"})
    assert second.status_code == 409
    assert staff["clinic_admin"].printed_name in second.content.decode()
    room.refresh_from_db()
    assert (room.name, room.has_ultrasound, room.version) == ("Procedure Room 1", True, 2)


def test_an_edit_of_a_kit_lot_names_its_version(staff) -> None:
    admin = staff["clinic_admin"]
    lot = services.kit_lot_save(by=admin, data=_lot_data())
    with pytest.raises(ValidationFailed, match="version"):
        services.kit_lot_save(by=admin, lot=lot, data={"quantity_received": 3})
    services.kit_lot_save(by=admin, lot=lot, data={"quantity_received": 3}, version=1)
    with pytest.raises(StaleEdit):
        services.kit_lot_save(by=admin, lot=lot, data={"quantity_received": 4}, version=1)
    assert KitLot.objects.values_list("quantity_received", "version").get() == (3, 2)

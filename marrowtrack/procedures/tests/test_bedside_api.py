"""The bedside endpoints: one syringe per call, keyed or scanned, the wrong side, what each
target received, and the outsider."""

from __future__ import annotations

from typing import Any

import pytest

from marrowtrack.core import clock
from marrowtrack.procedures.models import BedsideCheck, Injection
from marrowtrack.procedures.states import ProcedureState as S
from marrowtrack.procedures.tests.test_api import Api
from marrowtrack.testing import scenario
from marrowtrack.testing.factories import PASSWORD, PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def bilateral(clinic, staff, walk):
    plan = scenario.approved_plan(
        PatientFactory(clinic=clinic), by=staff["physician"], laterality="bilateral"
    )
    return walk(scenario.check_in(plan, staff["nurse"]), S.RELEASED)


def _verify(encounter, staff, container, side: str, **overrides: Any) -> dict[str, Any]:
    return {
        "password": PASSWORD,
        "second_username": staff["nurse"].username,
        "second_password": PASSWORD,
        "wristband_scan": encounter.patient.mrn,
        "syringe_scan": scenario.scanned(container),
        "target": "knee",
        "laterality": side,
        "patient_confirmed_identity": True,
        **overrides,
    }


def _inject(container, side: str, **overrides: Any) -> dict[str, Any]:
    now = clock.now().isoformat()
    return {
        "syringe_scan": scenario.scanned(container),
        "target": "knee",
        "laterality": side,
        "guidance": "us",
        "volume_ml": "3.5",
        "started_at": now,
        "ended_at": now,
        **overrides,
    }


def _path(encounter, what: str) -> str:
    return f"/procedures/encounters/{encounter.public_id}/{what}"


def test_a_bilateral_day_through_the_api_one_syringe_at_a_time(bilateral, staff) -> None:
    api = Api(staff["physician"])
    for side in ("left", "right"):
        syringe = scenario.syringe(bilateral, site=("knee", side))
        verified = api.post(
            _path(bilateral, "bedside-verifications"), _verify(bilateral, staff, syringe, side)
        )
        assert verified.status_code == 201, verified.json()
        assert verified.json()["product_code"] == syringe.product_code
        injected = api.post(_path(bilateral, "injections"), _inject(syringe, side))
        assert injected.status_code == 201, injected.json()
    rows = api.get(_path(bilateral, "delivered")).json()["items"]
    assert [(r["site"], r["syringes"], r["tnc"]) for r in rows] == [
        ("Left knee", 1, "5.25 × 10⁸"),
        ("Right knee", 1, "5.25 × 10⁸"),
    ]


def test_the_wrong_side_is_409_and_kept(bilateral, staff) -> None:
    right = scenario.syringe(bilateral, site=("knee", "right"))
    response = Api(staff["physician"]).post(
        _path(bilateral, "bedside-verifications"), _verify(bilateral, staff, right, "left")
    )
    assert response.status_code == 409 and "WRONG SIDE" in response.json()["message"]
    assert BedsideCheck.objects.get().accepted is False


def test_a_typed_din_is_422_without_its_check_character_and_keyed_with_it(bilateral, staff) -> None:
    left = scenario.syringe(bilateral, site=("knee", "left"))
    api = Api(staff["physician"])
    bare = _verify(bilateral, staff, left, "left", syringe_scan=left.din, product_scan="DBMC11A0")
    response = api.post(_path(bilateral, "bedside-verifications"), bare)
    assert response.status_code == 422
    assert "check character" in response.json()["errors"]["syringe_scan"][0]
    keyed = {**bare, "syringe_scan": left.din + left.check_char}
    response = api.post(_path(bilateral, "bedside-verifications"), keyed)
    assert response.status_code == 201 and response.json()["entry_method"] == "keyed"


def test_an_injection_started_in_the_future_or_far_back_is_refused(bilateral, staff) -> None:
    left = scenario.syringe(bilateral, site=("knee", "left"))
    api = Api(staff["physician"])
    assert (
        api.post(
            _path(bilateral, "bedside-verifications"), _verify(bilateral, staff, left, "left")
        ).status_code
        == 201
    )
    for started in ("2000-01-01T10:00:00Z", "2030-01-01T10:00:00Z"):
        response = api.post(
            _path(bilateral, "injections"),
            _inject(left, "left", started_at=started, ended_at=started),
        )
        assert response.status_code == 422, response.json()
    assert not Injection.objects.exists()


def test_outsiders_get_404_and_the_front_desk_403(bilateral, staff, outsider) -> None:
    left = scenario.syringe(bilateral, site=("knee", "left"))
    body = _verify(bilateral, staff, left, "left")
    assert Api(outsider).post(_path(bilateral, "bedside-verifications"), body).status_code == 404
    assert Api(outsider).get(_path(bilateral, "delivered")).status_code == 404
    assert (
        Api(outsider).post(_path(bilateral, "injections"), _inject(left, "left")).status_code == 404
    )
    front = Api(staff["front_desk"]).post(_path(bilateral, "bedside-verifications"), body)
    assert front.status_code == 403
    assert Api(staff["researcher"]).get(_path(bilateral, "delivered")).status_code == 403

"""The bedside page: one syringe per form, the site from the plan, the loud STOP whose first
action is "return to lab" (never "discard"), and who may open it."""

from __future__ import annotations

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from marrowtrack.core import clock
from marrowtrack.lab.models import Container
from marrowtrack.procedures.models import BedsideCheck, Injection
from marrowtrack.procedures.states import ProcedureState as S
from marrowtrack.testing import scenario
from marrowtrack.testing.factories import PASSWORD, PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def bilateral(clinic, staff, walk):
    plan = scenario.approved_plan(
        PatientFactory(clinic=clinic), by=staff["physician"], laterality="bilateral"
    )
    return walk(scenario.check_in(plan, staff["nurse"]), S.RELEASED)


def _verify_form(encounter, staff, container, site: str, **overrides) -> dict[str, str]:
    return {
        "password": PASSWORD,
        "wristband_scan": encounter.patient.mrn,
        "syringe_scan": scenario.scanned(container),
        "site": site,
        "patient_confirmed_identity": "on",
        "second_username": staff["nurse"].username,
        "second_password": PASSWORD,
        **overrides,
    }


def _url(encounter, action: str = "") -> str:
    return f"/procedures/{encounter.public_id}/bedside/{action}"


def test_the_page_lists_each_syringe_with_its_site_and_the_plans_sites(
    client_for, staff, bilateral
) -> None:
    html = client_for(staff["nurse"]).get(_url(bilateral)).content.decode()
    assert html.count("DBMC11A0") >= 1 and "DBMC11B0" in html
    assert "Left knee" in html and "Right knee" in html
    assert 'name="site"' in html and "Delivered to each site" in html


def test_a_swapped_syringe_is_refused_loudly_and_return_to_lab_comes_first(
    client_for, clinic, staff, walk, encounter
) -> None:
    other = walk(
        scenario.check_in(
            scenario.approved_plan(PatientFactory(clinic=clinic), by=staff["physician"]),
            staff["nurse"],
        ),
        S.RELEASED,
    )
    walk(encounter, S.RELEASED)
    response = client_for(staff["physician"]).post(
        _url(encounter, "verify/"),
        _verify_form(encounter, staff, scenario.syringe(other), "knee:left"),
    )
    assert response.status_code == 409
    html = response.content.decode()
    stop = html[html.index('class="stop"') : html.index('<div class="actions">')]
    assert "ANOTHER PATIENT" in stop
    assert "Return this syringe to the lab" in stop
    assert "discard" not in stop.lower().replace("discarded", "")
    main = html[html.index("<main") :]
    assert "Return this syringe to the lab" in main.split("<button")[1]
    assert BedsideCheck.objects.filter(accepted=False).count() == 1


def test_the_wrong_side_is_refused_and_the_syringe_can_go_back_to_the_lab(
    client_for, staff, bilateral
) -> None:
    right = scenario.syringe(bilateral, site=("knee", "right"))
    client = client_for(staff["physician"])
    response = client.post(
        _url(bilateral, "verify/"), _verify_form(bilateral, staff, right, "knee:left")
    )
    assert response.status_code == 409 and "WRONG SIDE" in response.content.decode()
    back = client.post(
        _url(bilateral, "return/"), {"container": str(right.public_id), "reason": "Wrong side"}
    )
    assert back.status_code == 302
    right.refresh_from_db()
    assert right.location == "in_transit"


def test_a_verified_syringe_is_injected_from_the_page(client_for, staff, bilateral) -> None:
    left = scenario.syringe(bilateral, site=("knee", "left"))
    client = client_for(staff["physician"])
    response = client.post(
        _url(bilateral, "verify/"), _verify_form(bilateral, staff, left, "knee:left")
    )
    assert response.status_code == 302
    started = clock.localtime(
        bilateral.bedside_checks.get(accepted=True).at, bilateral.clinic
    ).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        _url(bilateral, "inject/"),
        {
            "syringe_scan": scenario.scanned(left),
            "site": "knee:left",
            "guidance": "us",
            "volume_ml": "3.5",
            "started_at": started,
            "ended_at": started,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Injection.objects.get().laterality == "left"
    page = client.get(_url(bilateral)).content.decode()
    assert "Injected" in page and "5.25 × 10⁸" in page


def test_a_typed_13_character_din_is_a_field_error_not_a_scan(client_for, staff, bilateral) -> None:
    left = scenario.syringe(bilateral, site=("knee", "left"))
    response = client_for(staff["physician"]).post(
        _url(bilateral, "verify/"),
        _verify_form(
            bilateral, staff, left, "knee:left", syringe_scan=left.din, product_scan="DBMC11A0"
        ),
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "needs its boxed check character" in html and 'class="stop"' not in html
    assert not BedsideCheck.objects.exists()


def test_outsiders_get_404_and_roles_without_the_step_403(
    client_for, outsider, staff, bilateral
) -> None:
    left = scenario.syringe(bilateral, site=("knee", "left"))
    for url, method in (
        (_url(bilateral), "get"),
        (_url(bilateral, "verify/"), "post"),
        (_url(bilateral, "inject/"), "post"),
        (_url(bilateral, "return/"), "post"),
    ):
        assert getattr(client_for(outsider), method)(url).status_code == 404, url
        assert getattr(client_for(staff["researcher"]), method)(url).status_code == 403, url
    lab = client_for(staff["clinic_admin"]).post(
        _url(bilateral, "verify/"), _verify_form(bilateral, staff, left, "knee:left")
    )
    assert lab.status_code == 403
    assert Container.objects.get(pk=left.pk).status == "released"


def test_a_second_clinician_with_two_factor_verifies_with_one_code(
    client_for, staff, bilateral
) -> None:
    """The code is checked when the second clinician is found and again when they sign;
    django-otp takes a code once, so the second check relies on the first (ADR 0026)."""
    device = TOTPDevice.objects.create(user=staff["nurse"], name="Phone", confirmed=True)
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
    left = scenario.syringe(bilateral, ("knee", "left"))
    response = client_for(staff["physician"]).post(
        _url(bilateral, "verify/"),
        _verify_form(bilateral, staff, left, "knee:left", second_totp=code),
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    check = bilateral.bedside_checks.get(accepted=True)
    assert set(check.signatures.values_list("signer__username", flat=True)) == {
        staff["physician"].username,
        staff["nurse"].username,
    }

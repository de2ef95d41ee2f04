"""WCAG 2 A/AA checks with axe-core (from npm) in real Chromium, page by page, per role."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page

from marrowtrack.accounts.roles import Role
from marrowtrack.testing.browser import login
from marrowtrack.testing.factories import MedicationFactory, PatientFactory, WeightFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


def _violations(page: Page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("() => axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']})")
    return [f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}" for v in result["violations"]]


@pytest.fixture
def axe_page(browser: Browser) -> Page:
    assert AXE.exists(), "axe-core is missing: run `npm ci` (make test does)"
    # The CSP forbids inline scripts; axe is injected by the test, not by the app.
    return browser.new_context(bypass_csp=True).new_page()


@pytest.mark.parametrize(
    ("role", "paths"),
    [
        (
            Role.PHYSICIAN,
            [
                "/",
                "/patients/",
                "/patients/register/",
                "{patient}",
                "/plans/",
                "/procedures/",
                "/outcomes/",
            ],
        ),
        (Role.CLINIC_ADMIN, ["/", "/audit/", "/accounts/staff/", "/plans/availability/"]),
        (Role.LAB_TECH, ["/", "/lab/"]),
    ],
)
def test_pages_have_no_wcag_a_or_aa_violations(
    axe_page: Page, live_server, make_user, clinic, role, paths
) -> None:
    patient = PatientFactory(clinic=clinic, family_name="Access", given_name="Ada")
    WeightFactory(patient=patient)
    MedicationFactory(patient=patient)
    make_user(role, username=f"axe_{role}")
    axe_page.goto(f"{live_server.url}/accounts/login/")
    assert _violations(axe_page) == []
    login(axe_page, live_server.url, f"axe_{role}")
    found = {}
    for path in paths:
        url = f"/patients/{patient.public_id}/" if path == "{patient}" else path
        response = axe_page.goto(live_server.url + url)
        assert response is not None and response.status == 200, url
        found[url] = _violations(axe_page)
    assert found == {url: [] for url in found}

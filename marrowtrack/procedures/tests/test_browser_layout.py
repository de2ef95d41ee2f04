"""The procedure day's pages fit a laptop (1366 px), a tablet (820 px) and a phone (390 px):
nothing wider than the window (no sideways scrolling, no clipped buttons), on the encounter
page (time-out, dose, containers, discharge), the harvest, bedside and schedule pages.

With $MARROWTRACK_SCREENSHOTS set, each page is saved as ``layout-<device>-<page>.png`` for
a person to look at."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Page, ViewportSize

from marrowtrack.accounts.roles import Role
from marrowtrack.procedures import services
from marrowtrack.procedures.states import ProcedureState as S
from marrowtrack.testing import scenario
from marrowtrack.testing.browser import login
from marrowtrack.testing.factories import PASSWORD, PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("MARROWTRACK_SCREENSHOTS", "")
DEVICES: dict[str, ViewportSize] = {
    "laptop": {"width": 1366, "height": 768},
    "tablet": {"width": 820, "height": 1180},
    "phone": {"width": 390, "height": 844},
}
# The widest element's right edge beyond the window, in CSS px (0 when everything fits).
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  let worst = {over: 0, what: ""};
  for (const e of document.querySelectorAll("body *")) {
    const r = e.getBoundingClientRect();
    if (r.width === 0 || getComputedStyle(e).visibility === "hidden") continue;
    let clipped = false;
    for (let p = e.parentElement; p; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === "auto" || o === "scroll" || o === "hidden") { clipped = true; break; }
    }
    if (clipped) continue;
    const over = Math.round(r.right - width);
    if (over > worst.over) worst = {over, what: e.tagName + "." + e.className + "#" + e.id};
  }
  return {scroll: document.documentElement.scrollWidth - width, ...worst};
}"""


@pytest.fixture
def day(make_user, clinic):
    staff = {
        "nurse": make_user(Role.NURSE, username="nurse1"),
        "physician": make_user(Role.PHYSICIAN, username="doc1"),
        "lab_tech": make_user(Role.LAB_TECH, username="lab1"),
    }
    scenario.kit_lot_for(clinic)

    def at(state: S, family_name: str):
        patient = PatientFactory(clinic=clinic, family_name=family_name, given_name="Ada")
        plan = scenario.approved_plan(patient, by=staff["physician"], laterality="bilateral")
        return scenario.walk_to(scenario.check_in(plan, staff["nurse"]), state, staff, PASSWORD)

    timeout = at(S.SITE_MARKED, "Timeout-Whitfield")
    harvesting = at(S.LOCAL_ANESTHESIA, "Harvest-Ogunleye")
    services.encounter_transition(encounter=harvesting, to=S.HARVESTING, by=staff["physician"])
    released = at(S.RELEASED, "Bedside-Castellanos")
    recovery = at(S.RECOVERY, "Recovery-Nakamura")
    scenario.recovered(recovery)
    cortisone = scenario.approved_comparator_plan(
        PatientFactory(clinic=clinic, family_name="Cortisone-Lindqvist", given_name="Eva"),
        by=staff["physician"],
    )
    comparator = scenario.comparator_walk_to(
        scenario.check_in(cortisone, staff["nurse"]), S.INJECTED, staff, PASSWORD
    )
    return {
        "encounter-timeout": (timeout.get_absolute_url(), "doc1"),
        "harvest": (f"{harvesting.get_absolute_url()}harvest/", "doc1"),
        "encounter-dose-containers": (released.get_absolute_url(), "doc1"),
        "bedside": (f"{released.get_absolute_url()}bedside/", "doc1"),
        "encounter-discharge": (recovery.get_absolute_url(), "nurse1"),
        "encounter-comparator": (comparator.get_absolute_url(), "nurse1"),
        "schedule": ("/plans/schedule/", "nurse1"),
    }


def test_the_procedure_day_pages_fit_a_laptop_a_tablet_and_a_phone(
    page: Page, live_server, day
) -> None:
    too_wide = {}
    for device, size in DEVICES.items():
        page.set_viewport_size(size)
        who = ""
        for name, (path, username) in day.items():
            if username != who:
                page.context.clear_cookies()
                login(page, live_server.url, username)
                who = username
            page.goto(f"{live_server.url}{path}")
            found = page.evaluate(OVERFLOW)
            if found["scroll"] > 0 or found["over"] > 0:
                too_wide[f"{device} {name}"] = found
            if SHOTS:
                shot = os.path.join(SHOTS, f"layout-{device}-{name}.png")
                page.screenshot(path=shot, full_page=True)
    assert too_wide == {}

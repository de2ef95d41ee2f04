"""Real browser (issue 14): a clinic administrator filters the knee dashboard, opens BMAC
versus cortisone and downloads the PDF outcomes report of the clinic and period; a
researcher goes everywhere they can reach and finds no identifier."""

from __future__ import annotations

import io
import os
import re
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import time_machine
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from marrowtrack.accounts.roles import Role
from marrowtrack.analytics.tests.registry import (
    IDENTIFIED,
    TODAY,
    adverse_event,
    plan_with,
    score,
)
from marrowtrack.testing.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("MARROWTRACK_VAR_DIR", "var")) / "screenshots"


@pytest.fixture
def on_today():
    # The browser's requests are served by the live server's thread: the travel holds there.
    with time_machine.travel(TODAY, tick=True):
        yield


@pytest.fixture
def knee_registry(clinic, make_user):
    """24 knee BMAC and 24 cortisone patients of varied age, sex, grade, symptom duration and
    baseline (each covariate pattern in both groups, so their propensities overlap), followed
    to a year; the first carries every identifier."""
    doctor = make_user(Role.PHYSICIAN, username="doctor1", display_name="Dr Dulcinea Toboso")
    for i in range(48):
        treatment = "bmac" if i < 24 else "csi"
        who = IDENTIFIED if i == 0 else {}
        plan = plan_with(
            clinic,
            doctor,
            treatment=treatment,
            sex="female" if i % 3 else "male",
            born=date(1950 + i % 24, 1 + i % 12, 1 + i % 24),
            who=who,
            kellgren_lawrence_grade=1 + i % 4,
            symptom_duration_months=6 + i % 24,
        )
        base = 6 + i % 3
        score(plan, "baseline", base)
        for k, timepoint in enumerate(("6w", "3m", "6m", "12m")):
            gain = (2.5 if treatment == "bmac" else 1.8) + (i * 7 + k) % 5 * 0.4 - 0.8
            score(plan, timepoint, max(0, round(base - gain)))
        if i % 9 == 0:
            adverse_event(plan, doctor)
    return doctor


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"analytics-{name}.png"), full_page=True)


@pytest.mark.usefixtures("on_today")
def test_the_administrator_filters_compares_and_downloads_the_report(
    page: Page, live_server, clinic, make_user, knee_registry
) -> None:
    make_user(Role.CLINIC_ADMIN, username="admin1")
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, live_server.url, "admin1")
    # The registry is one of the administrator's less used links, under "More".
    page.locator("details.nav-more > summary").click()
    page.locator("details.nav-more").get_by_role("link", name="Registry").click()
    expect(page.get_by_role("heading", name="Registry outcomes")).to_be_visible()
    filters = page.get_by_role("form", name="Filters")
    filters.get_by_label("Condition").select_option("knee_oa")
    filters.get_by_label("Sex").select_option("female")
    filters.get_by_label("Treated from").fill("2026-01-01")
    filters.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"sex=female"))
    table = page.locator("#outcomes-table")
    expect(table).to_contain_text("bmac")
    expect(table).to_contain_text("csi")
    expect(page.get_by_text("Only valid data count.")).to_be_visible()
    _shot(page, "dashboard")

    page.get_by_role("link", name="BMAC versus comparator").click()
    expect(page.get_by_role("heading", name="BMAC versus comparator")).to_be_visible()
    expect(page.get_by_text("Observational, not randomised")).to_be_visible()
    # The dashboard's filters came along: the women alone (16 a group) are too few.
    expect(page.locator("#filters-in-force")).to_contain_text("sex female")
    refusal = page.get_by_text(re.compile(r"^No adjusted estimate for the filtered group"))
    expect(refusal.first).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Too few BMAC patients")).first).to_be_visible()
    _shot(page, "compare-filtered")
    # Both sexes: an estimate.
    compared = page.get_by_role("form", name="Filters")
    compared.get_by_label("Sex").select_option("")
    compared.get_by_role("button", name="Show").click()
    expect(page.locator("#filters-in-force")).not_to_contain_text("sex female")
    expect(page.get_by_text(re.compile(r"^Adjusted difference:")).first).to_be_visible()
    expect(page.get_by_role("table").first).to_contain_text("Age (years)")
    _shot(page, "compare")

    page.get_by_role("link", name="Registry outcomes").click()
    report = page.get_by_role("form", name="Report period")
    report.get_by_label("Treated from").fill("2026-01-01")
    report.get_by_label("Treated to").fill("2026-03-31")
    with page.expect_download() as downloading:
        report.get_by_role("button", name="Download the outcomes report (PDF)").click()
    download = downloading.value
    assert download.suggested_filename == "outcomes-report-2026-01-01-to-2026-03-31.pdf"
    body = Path(download.path()).read_bytes()
    assert body[:5] == b"%PDF-"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages)
    assert "Outcomes report: Riverside Test Clinic" in text
    assert "from 2026-01-01" in text and "to 2026-03-31" in text
    assert "Knee osteoarthritis" in text and "Quixote" not in text
    (SHOTS / "analytics-report.pdf").write_bytes(body)


def _identifiers(knee_registry) -> list[str]:
    return [*IDENTIFIED.values(), "La Mancha", "62704", knee_registry.printed_name, "1950-01-01"]


def _file_text(path: str, raw: bytes) -> str:
    """A download as text: the PDF's words, the Parquet's cells, the CSV itself."""
    if path.split("?")[0].endswith(".pdf"):
        return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(raw)).pages)
    if path.split("?")[0].endswith(".parquet"):
        return pq.read_table(io.BytesIO(raw)).to_pandas().to_csv()
    return raw.decode()


DOWNLOADS = (".csv", ".parquet", ".pdf")


@pytest.mark.usefixtures("on_today")
def test_the_researcher_finds_no_identifier_anywhere(
    page: Page, live_server, make_user, knee_registry
) -> None:
    make_user(Role.RESEARCHER, username="research1")
    login(page, live_server.url, "research1")
    banned = _identifiers(knee_registry)
    seen: set[str] = set()
    queue = [f"{live_server.url}/"]
    while queue and len(seen) < 40:  # every page and file linked from the researcher's home
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        if url.split("?")[0].endswith(DOWNLOADS):
            fetched = page.request.get(url)
            assert fetched.ok, url
            text = _file_text(url, fetched.body())
        else:
            response = page.goto(url)
            assert response is not None and response.ok, url
            text = page.content()
            for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
                if href.startswith(live_server.url) and "/accounts/" not in href:
                    queue.append(href.split("#")[0])
        for identifier in banned:
            assert identifier not in text, (url, identifier)
    reached = {u.removeprefix(live_server.url) for u in seen}
    assert {"/analytics/", "/analytics/research/"} <= {u.split("?")[0] for u in reached}
    for path in (
        "/analytics/research/export.csv",
        "/analytics/research/export.parquet",
        "/analytics/report.pdf",
        "/analytics/dose.csv?condition=knee_oa&timepoint=6m",
    ):
        response = page.request.get(f"{live_server.url}{path}")
        assert response.ok, path
        text = _file_text(path, response.body())
        for identifier in banned:
            assert identifier not in text, (path, identifier)
    page.goto(f"{live_server.url}/analytics/research/")
    _shot(page, "research-home")


@pytest.mark.usefixtures("on_today")
def test_the_patient_reads_the_card_of_their_own_condition_on_a_phone(
    browser, live_server, knee_registry
) -> None:
    from django.urls import reverse

    from marrowtrack.notifications.links import link_token
    from marrowtrack.patients.models import Patient
    from marrowtrack.portal.services import link_send

    patient = Patient.objects.get(family_name="Quixote")
    link = link_send(patient=patient, by=knee_registry)
    phone = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    phone.goto(f"{live_server.url}{reverse('portal:link', args=[link_token(link)])}")
    phone.get_by_role("button", name="Continue").click()
    phone.get_by_role("link", name="What this clinic measured").click()
    card = phone.locator(".evidence-card")
    expect(card.get_by_role("heading", name="Knee osteoarthritis")).to_be_visible()
    expect(card).to_contain_text("This clinic has treated 24 patients")
    expect(card).to_contain_text("Corticosteroid injection")
    text = card.inner_text()
    assert not re.search(r"cure|no risk|guaranteed|regrows cartilage|proven", text, re.I)
    _shot(phone, "portal-card")


@pytest.mark.usefixtures("on_today")
def test_the_dashboard_and_comparison_fit_a_phone(
    browser, live_server, make_user, knee_registry
) -> None:
    make_user(Role.CLINIC_ADMIN, username="admin1")
    phone = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    login(phone, live_server.url, "admin1")
    for path, shows in (
        ("/analytics/?condition=knee_oa", ".chart-svg svg"),
        ("/analytics/compare/?condition=knee_oa", "#filters-in-force"),
    ):
        phone.goto(f"{live_server.url}{path}")
        expect(phone.locator(shows).first).to_be_visible()
        # The charts (fixed-size SVGs) and the filter fields shrink to the screen.
        sideways = phone.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert sideways == 0, (path, sideways)
    _shot(phone, "compare-phone")

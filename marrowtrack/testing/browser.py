"""Helpers for Playwright browser tests against pytest-django's live_server."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import Page

from marrowtrack.testing.factories import PASSWORD


def login(page: Page, live_server_url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{live_server_url}/accounts/login/")
    # A page loads parts of itself with htmx (the evidence card): let those requests end
    # first, or a late answer can move the page while the form is being filled.
    page.wait_for_load_state("networkidle")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server_url}/")


def logout(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()


def local_time(minutes: int = 0) -> str:
    """Now plus `minutes` in the current time zone, as a datetime-local input takes it."""
    return (timezone.localtime() + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M")


HARVEST_DEFAULTS = {
    "needle": "Jamshidi",
    "gauge": "11",
    "punctures": "2",
    "aspirate_ml": "60",
    "anticoagulant_lot": "ACD-2291",
    "anticoagulant_ml": "6",
}


def fill_harvest_form(
    page: Page,
    side: str | None = None,
    *,
    anticoagulant: str = "acd_a",
    extra: Mapping[str, str] | None = None,
) -> None:
    """Fill the harvest page's form: a plausible 60 mL aspirate taken over the last twenty
    minutes. `side` is chosen when given (else the form's preset, the plan's side); `extra`
    adds or overrides fields by name (e.g. ``{"air_kerma_mgy": "3"}``)."""
    values = {
        **HARVEST_DEFAULTS,
        "started_at": local_time(-20),
        "ended_at": local_time(-1),
        **(extra or {}),
    }
    form = page.locator("form:has([name=aspirate_ml])")
    for name, value in values.items():
        form.locator(f"[name={name}]").fill(value)
    if side is not None:
        form.locator("[name=side]").select_option(side)
    form.locator("[name=anticoagulant]").select_option(anticoagulant)

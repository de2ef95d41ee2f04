"""Helpers for Playwright browser tests against pytest-django's live_server."""

from __future__ import annotations

from playwright.sync_api import Page

from marrowtrack.testing.factories import PASSWORD


def login(page: Page, live_server_url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{live_server_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server_url}/")


def logout(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()

"""Project-wide pytest set-up: Debian's Chromium for Playwright, and CI strictness."""

from __future__ import annotations

import os
import shutil
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

# Generated examples are checked on every run, but how fast a shared CI machine makes them is
# not a property of the code: a slow draw must not fail the suite (tests may still tighten this).
settings.register_profile(
    "marrowtrack", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("marrowtrack")

# Playwright's sync API runs an event loop; Django must still allow ORM calls in tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    browser_items = [item for item in items if item.get_closest_marker("browser")]
    if not browser_items or os.path.exists(CHROMIUM):
        return
    if os.environ.get("CI"):
        raise pytest.UsageError("CI: chromium is missing, so the browser tests cannot run.")
    skip = pytest.mark.skip(reason="chromium is not installed (make test installs it as root)")
    for item in browser_items:
        item.add_marker(skip)

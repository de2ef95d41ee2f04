"""A demo clinic on disk, made once per run, and gunicorn servers on copies of it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from marrowtrack.ops.server import ROOT, Server

# Enough patients that some outcome surveys are due today: the load mix opens survey links.
DEMO_PATIENTS = "40"


@dataclass(frozen=True)
class Site:
    """A var directory (SQLite database, audit anchor) and the environment that uses it."""

    root: Path

    @property
    def env(self) -> dict[str, str]:
        keep = {
            k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "MARROWTRACK_"))
        }
        return {
            **keep,
            "DJANGO_SETTINGS_MODULE": "marrowtrack.ops.tests.live_settings",
            "MARROWTRACK_VAR_DIR": str(self.root),
            "MARROWTRACK_AUDIT_ANCHOR": str(self.root / "audit-anchor.log"),
            "DATABASE_URL": "",
            "MARROWTRACK_WORKERS": "2",
            "MARROWTRACK_LOGIN_RATE": "10000/m",
            "MARROWTRACK_TOKEN_RATE": "10000/m",
            "MARROWTRACK_REAUTH_RATE": "10000/m",
        }

    @property
    def database(self) -> Path:
        return self.root / "marrowtrack.sqlite3"

    def run(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our interpreter and command
            [sys.executable, "-m", "marrowtrack", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def copy_to(self, target: Path) -> Site:
        shutil.copytree(self.root, target)
        return Site(target)

    def server(self, log_name: str = "server.log") -> Server:
        return Server(env=self.env, log=self.root / log_name)


@dataclass(frozen=True)
class DemoSite:
    site: Site
    load_output: str  # what migrate and the demo loader printed and logged


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> DemoSite:
    site = Site(tmp_path_factory.mktemp("demo-site"))
    output = []
    for args in (["migrate", "--noinput"], ["demo", "--patients", DEMO_PATIENTS, "--seed", "7"]):
        done = site.run(*args)
        assert done.returncode == 0, done.stdout + done.stderr
        output += [done.stdout, done.stderr]
    return DemoSite(site, "\n".join(output))


@pytest.fixture
def site_copy(demo_site: DemoSite, tmp_path: Path) -> Site:
    return demo_site.site.copy_to(tmp_path / "site")


@pytest.fixture
def gunicorn_server(site_copy: Site) -> Iterator[Server]:
    server = site_copy.server().start()
    yield server
    server.stop()

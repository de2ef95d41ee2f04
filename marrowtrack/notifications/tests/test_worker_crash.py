"""The worker is killed (SIGKILL) between sending a text message and recording it; after a
restart the message is not sent again. And killed after claiming but before sending: after
a restart it is sent, once. Real processes, a real database file, a real kill."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from marrowtrack.notifications.tests.conftest import sms_lines

SCENARIO = "marrowtrack.notifications.tests.crash_scenario"
KILL_AFTER = "marrowtrack.notifications.tests.backends.KillAfterSendBackend"
KILL_BEFORE = "marrowtrack.notifications.tests.backends.KillBeforeSendBackend"
FILE = "marrowtrack.notifications.backends.FileSmsBackend"


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own console script, fixed arguments
        [sys.executable, "-m", "marrowtrack", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite database file, copied for each test (migrating takes seconds)."""
    folder = tmp_path_factory.mktemp("crash-db")
    env = _env(folder, FILE)
    done = _run(env, "migrate", "--noinput", "-v", "0")
    assert done.returncode == 0, done.stderr
    return folder / "marrowtrack.sqlite3"


def _env(folder: Path, backend: str, lease: int = 300) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL="",
        MARROWTRACK_VAR_DIR=str(folder),
        MARROWTRACK_SMS_FILE=str(folder / "sms.jsonl"),
        MARROWTRACK_SMS_BACKEND=backend,
        MARROWTRACK_SEND_LEASE_SECONDS=str(lease),
        MARROWTRACK_LOG_LEVEL="WARNING",
    )
    return env


def _scenario(env: dict[str, str], step: str) -> dict:
    done = _run(env, "shell", "-c", f"from {SCENARIO} import {step}; {step}()")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _worker(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return _run(env, "worker", "--batch", "--no-startup-delay")


@pytest.fixture
def folder(migrated: Path, tmp_path: Path) -> Path:
    shutil.copy(migrated, tmp_path / "marrowtrack.sqlite3")
    return tmp_path


def test_killed_after_sending_the_restarted_worker_does_not_send_again(folder):
    message = _scenario(_env(folder, FILE), "setup")["message"]

    crashed = _worker(_env(folder, KILL_AFTER))
    assert crashed.returncode == -signal.SIGKILL
    assert [line["key"] for line in sms_lines(folder / "sms.jsonl")] == [message]
    assert _scenario(_env(folder, FILE), "report")["status"] == "sending"

    restarted = _worker(_env(folder, FILE, lease=0))  # the dead worker's claim has lapsed
    assert restarted.returncode == 0, restarted.stderr
    assert len(sms_lines(folder / "sms.jsonl")) == 1
    assert _scenario(_env(folder, FILE), "report") == {
        "status": "sent",
        "attempts": 1,
        "log": ["confirmed"],
    }


def test_killed_before_sending_the_restarted_worker_sends_it_once(folder):
    message = _scenario(_env(folder, FILE), "setup")["message"]

    crashed = _worker(_env(folder, KILL_BEFORE))
    assert crashed.returncode == -signal.SIGKILL
    assert sms_lines(folder / "sms.jsonl") == []

    assert _worker(_env(folder, FILE, lease=0)).returncode == 0
    assert _worker(_env(folder, FILE, lease=0)).returncode == 0  # a second restart: nothing
    assert [line["key"] for line in sms_lines(folder / "sms.jsonl")] == [message]
    assert _scenario(_env(folder, FILE), "report") == {
        "status": "sent",
        "attempts": 2,
        "log": ["requeued", "sent"],
    }

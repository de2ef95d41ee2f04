from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.fixture
def sms_file(settings, tmp_path: Path) -> Path:
    path = tmp_path / "sms.jsonl"
    settings.MARROWTRACK_SMS_FILE = str(path)
    settings.MARROWTRACK_SMS_BACKEND = "marrowtrack.notifications.backends.FileSmsBackend"
    return path


def sms_lines(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def anchor_file(settings, tmp_path: Path) -> Path:
    """Each audit test has its own anchor file."""
    settings.MARROWTRACK_AUDIT_ANCHOR = tmp_path / "audit-anchor.log"
    return settings.MARROWTRACK_AUDIT_ANCHOR

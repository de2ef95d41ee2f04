"""SIGKILL the server (master and workers) in the middle of writes: after a restart every
acknowledged write is there and the audit trail verifies. The full form is
`marrowtrack bench crash` (more rounds, longer)."""

from __future__ import annotations

from marrowtrack.ops.crashtest import crash_round
from marrowtrack.ops.tests.conftest import Site


def test_no_acknowledged_write_is_lost_when_the_server_is_killed(site_copy: Site) -> None:
    result = crash_round(
        env=site_copy.env,
        log=site_copy.root / "server.log",
        seconds=2.0,
        writers=3,
        user="desk",
        password="marrowtrack-demo",
    )
    assert result.acknowledged > 0, "no write was acknowledged before the kill"
    assert result.missing == []
    assert result.verify_ok, result.verify_output

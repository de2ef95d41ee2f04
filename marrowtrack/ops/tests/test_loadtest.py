"""`marrowtrack bench load` in short: every kind of request answers, without errors, and
the figures are printed. The timing targets live in the benchmark, not here."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from marrowtrack.ops.loadtest import MIX, Users, bench_load, loopback_only, report_lines


def test_a_short_run_drives_every_kind_and_the_ceiling_without_errors(gunicorn_server) -> None:
    run = bench_load(url=gunicorn_server.url, clients=[3], seconds=2.0, users=Users())
    # Its own thread: the browser tests leave Playwright's event loop running in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        (result,) = pool.submit(asyncio.run, run).result()
    assert result.mix.error_count == 0, dict(result.mix.errors)
    assert result.ceiling.error_count == 0
    assert set(result.mix.latencies) == set(MIX), "every kind of traffic was sent"
    assert result.ceiling.rate > 0 and 0 < result.ratio
    text = "\n".join(report_lines(result))
    assert "3 clients, mix:" in text and "mix / ceiling:" in text and "p95 ms" in text


@pytest.mark.parametrize("url", ["http://10.0.0.5:8000", "http://example.org", "http://[::2]"])
def test_the_driver_refuses_anything_but_loopback(url: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        loopback_only(url)


def test_loopback_addresses_are_accepted() -> None:
    for url in ("http://127.0.0.1:8000/", "http://localhost:8000", "http://[::1]:8000"):
        assert loopback_only(url) == url.rstrip("/")

"""After kill -9 of the gunicorn master, its workers leave and free the port at once."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
APP = "def app(environ, start_response):\n    start_response('200 OK', [])\n    return [b'ok']\n"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _wait(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux-only")
@pytest.mark.parametrize("threads", ["4", "1"], ids=["gthread", "sync"])
def test_workers_free_the_port_soon_after_the_master_is_killed(tmp_path: Path, threads) -> None:
    # A sync worker (one thread) without the hook waits up to timeout/2 = 15 s to notice.
    (tmp_path / "tinyapp.py").write_text(APP)
    port = _free_port()
    master = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "tinyapp:app",
            "-c",
            str(ROOT / "config" / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
            "--threads",
            threads,
            "--access-logfile",
            "/dev/null",
        ],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert _wait(lambda: _port_open(port), 15), "gunicorn did not start"
        os.kill(master.pid, signal.SIGKILL)
        master.wait(timeout=5)
        assert _wait(lambda: not _port_open(port), 3), "orphan workers still hold the port"
    finally:
        if master.poll() is None:
            master.kill()

"""Gunicorn settings: `gunicorn config.wsgi -c config/gunicorn.conf.py`.

Workers die with their master. Killed with SIGKILL, a master cannot stop its workers, and
they kept the listening socket for seconds (a restart then failed to bind). Each worker asks
the kernel (Linux prctl PR_SET_PDEATHSIG, man 2 prctl) for SIGTERM when its master dies; on
SIGTERM a gunicorn worker closes its listening socket and finishes the requests it holds.
"""

from __future__ import annotations

import ctypes
import os
import signal
from typing import Any

bind = os.environ.get("MARROWTRACK_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("MARROWTRACK_WORKERS", "2"))
threads = int(os.environ.get("MARROWTRACK_THREADS", "4"))
timeout = 30
graceful_timeout = 10
# No access log of gunicorn's own: its request line carries the query string (a patient's
# name in a search) and survey links' secrets. The application logs every request as JSON,
# by route and with the request id (marrowtrack/ops/middleware.py).
accesslog = None

PR_SET_PDEATHSIG = 1


def die_with_parent() -> bool:
    """Ask for SIGTERM when the parent process dies; False where prctl is not available."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def child_exit(server: Any, worker: Any) -> None:
    # Prometheus' multiprocess mode: forget a dead worker's live gauges (prometheus-client).
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def post_fork(server: Any, worker: Any) -> None:
    die_with_parent()
    # The master may have died between fork and prctl: then nobody would signal us.
    if os.getppid() != server.pid:
        os.kill(os.getpid(), signal.SIGTERM)

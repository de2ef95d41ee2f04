"""Kill the server in the middle of a stream of writes; check nothing acknowledged was lost.

Writers register patients through the API as fast as the server answers and note every
registration the server acknowledged (201). The master and every worker are then killed
with SIGKILL together (no graceful shutdown, no flush), the server is started again on the
same database, and every acknowledged patient must be there; ``marrowtrack audit verify``
must pass (the audit anchor is appended after each commit, so a kill between the commit and
the anchor leaves an entry not yet anchored, which verify accepts, and never the reverse).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from marrowtrack.ops.server import ROOT, Server


@dataclass(frozen=True)
class CrashResult:
    acknowledged: int
    missing: list[str]
    verify_ok: bool
    verify_output: str


def crash_round(
    *, env: dict[str, str], log: Path, seconds: float, writers: int, user: str, password: str
) -> CrashResult:
    server = Server(env=env, log=log).start()
    token = _token(server.url, user, password)
    acknowledged = _write_then_kill(server, token, seconds, writers)
    restarted = Server(env=env, log=log).start()
    try:
        missing = [pid for pid in acknowledged if not _exists(restarted.url, token, pid)]
    finally:
        restarted.stop()
    verify = subprocess.run(  # noqa: S603 - our interpreter and command
        [sys.executable, "-m", "marrowtrack", "audit", "verify"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return CrashResult(len(acknowledged), missing, verify.returncode == 0, verify.stdout)


def _write_then_kill(server: Server, token: str, seconds: float, writers: int) -> list[str]:
    acknowledged: list[str] = []
    stop = threading.Event()

    def write(number: int) -> None:
        serial = 0
        while not stop.is_set():
            serial += 1
            public_id = _register(server.url, token, f"Crash{number}x{serial}")
            if public_id is not None:
                acknowledged.append(public_id)

    threads = [threading.Thread(target=write, args=(n,), daemon=True) for n in range(writers)]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    server.kill()
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    return acknowledged


def _request(url: str, *, token: str = "", body: dict | None = None) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="POST" if body else "GET")  # noqa: S310
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - loopback
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, {}


def _token(base: str, user: str, password: str) -> str:
    status, body = _request(
        f"{base}/api/v1/auth/token", body={"username": user, "password": password}
    )
    if status != 200:
        raise RuntimeError(f"No API token for {user}: HTTP {status}")
    return str(body["token"])


def _register(base: str, token: str, family_name: str) -> str | None:
    body = {
        "family_name": family_name,
        "given_name": "Kill",
        "date_of_birth": "1970-01-02",
        "sex": "female",
    }
    try:
        status, answer = _request(f"{base}/api/v1/patients/", token=token, body=body)
    except OSError:
        return None  # the server died with this request: never acknowledged
    return str(answer["id"]) if status in (200, 201) else None


def _exists(base: str, token: str, public_id: str) -> bool:
    return _request(f"{base}/api/v1/patients/{public_id}", token=token)[0] == 200

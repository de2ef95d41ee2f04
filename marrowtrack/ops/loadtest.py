"""`marrowtrack bench load`: drive a running server with a clinic's mix, then with the bare
endpoint, in alternating rounds, and print what each achieved.

An asyncio driver on aiohttp rather than Locust: one process, no gevent monkey-patching, and
no web UI, so it runs inside a management command and a test, and spends little of the
machine it shares with the server (both sit on the same two cores here).
docs/decisions/0014-operations.md says more; issue 17 uses it to measure.

The mix (per request, drawn with a fixed seed): the front desk searches patients by name
(40 %) and registers one (10 %), a nurse reads a whole record through the API (25 %), a
physician opens a patient's page (10 %), the lab lists released products (8 %) and a patient
opens a survey from a link (7 %, when the clinic has open follow-ups to link). The ceiling is
``/healthz`` on the same server: no database, no session, no template.
Only loopback addresses are accepted.
"""

from __future__ import annotations

import asyncio
import ipaddress
import random
import re
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import aiohttp

MIX = {"search": 40, "create": 10, "read": 25, "page": 10, "lab": 8, "portal": 7}
WHO = {
    "search": "front desk",
    "create": "front desk",
    "read": "nurse",
    "page": "physician",
    "lab": "lab",
    "portal": "patient",
}
PREFIXES = ("an", "ba", "ca", "da", "el", "ga", "ha", "jo", "ka", "le", "ma", "ne", "pa", "ro")


@dataclass
class Users:
    desk: str = "desk"
    nurse: str = "nurse"
    doctor: str = "doctor"
    lab: str = "lab"
    password: str = "marrowtrack-demo"  # noqa: S105 - the demo's documented password


@dataclass
class Tally:
    seconds: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


@dataclass
class RoundResult:
    clients: int
    mix: Tally
    ceiling: Tally

    @property
    def ratio(self) -> float:
        return self.mix.rate / self.ceiling.rate if self.ceiling.rate else 0.0


def loopback_only(url: str) -> str:
    host = urlsplit(url).hostname or ""
    if host != "localhost":
        try:
            if not ipaddress.ip_address(host).is_loopback:
                raise ValueError
        except ValueError as exc:
            raise ValueError(f"bench load drives loopback servers only, not {host!r}") from exc
    return url.rstrip("/")


def percentile(values: list[float], share: int) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[share - 1]


class Clinic:
    """What the mix needs from the running server: tokens, sessions, patients, links."""

    def __init__(self, base: str, users: Users, session: aiohttp.ClientSession) -> None:
        self.base, self.users, self.http = base, users, session
        self.bearer: dict[str, dict[str, str]] = {}
        self.patients: list[tuple[str, str]] = []
        self.doctor: aiohttp.ClientSession | None = None
        self.portals: list[aiohttp.ClientSession] = []

    async def prepare(self, portal_sessions: int) -> None:
        for role in ("desk", "nurse", "lab"):
            self.bearer[role] = await self._token(getattr(self.users, role))
        self.patients = await self._patients()
        if not self.patients:
            raise RuntimeError("The server has no patients to search: load the demo first.")
        self.doctor = await self._web_login(self.users.doctor)
        self.portals = await self._portal_sessions(portal_sessions)

    async def close(self) -> None:
        for session in [self.doctor, *self.portals]:
            if session is not None:
                await session.close()

    async def _token(self, username: str) -> dict[str, str]:
        body = {"username": username, "password": self.users.password}
        async with self.http.post(f"{self.base}/api/v1/auth/token", json=body) as answer:
            if answer.status != 200:
                raise RuntimeError(f"No API token for {username}: HTTP {answer.status}")
            return {"Authorization": f"Bearer {(await answer.json())['token']}"}

    async def _patients(self) -> list[tuple[str, str]]:
        found: dict[str, str] = {}
        for prefix in PREFIXES[:6]:
            url = f"{self.base}/api/v1/patients/?q={prefix}&limit=200"
            async with self.http.get(url, headers=self.bearer["desk"]) as answer:
                for row in _rows(await answer.json()) if answer.status == 200 else []:
                    found[row["id"]] = row["family_name"]
        return sorted(found.items())

    async def _web_login(self, username: str) -> aiohttp.ClientSession:
        session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        async with session.get(f"{self.base}/accounts/login/") as answer:
            await answer.read()
        token = _cookie(session, "csrftoken")
        form = {"username": username, "password": self.users.password}
        headers = {"X-CSRFToken": token, "Referer": f"{self.base}/accounts/login/"}
        async with session.post(
            f"{self.base}/accounts/login/", data={**form, "csrfmiddlewaretoken": token},
            headers=headers, allow_redirects=False,
        ) as answer:  # fmt: skip
            if answer.status != 302:
                raise RuntimeError(f"{username} could not log in on the web page")
        return session

    async def _portal_sessions(self, wanted: int) -> list[aiohttp.ClientSession]:
        """Survey links issued by a nurse on the plan page, each opened in its own session."""
        nurse = await self._web_login(self.users.nurse)
        try:
            tokens = await self._survey_links(nurse, wanted)
        finally:
            await nurse.close()
        sessions = []
        for token in tokens:
            session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
            async with session.get(f"{self.base}/outcomes/portal/s/{token}/") as answer:
                await answer.read()
            sessions.append(session)
        return sessions

    async def _survey_links(self, nurse: aiohttp.ClientSession, wanted: int) -> list[str]:
        tokens: list[str] = []
        url = f"{self.base}/api/v1/intake/plans?status=treated"
        async with self.http.get(url, headers=self.bearer["nurse"]) as answer:
            plans = _rows(await answer.json()) if answer.status == 200 else []
        for plan in plans:
            if len(tokens) >= wanted:
                break
            tokens += await self._link_for_plan(nurse, plan["id"])
        return tokens[:wanted]

    async def _link_for_plan(self, nurse: aiohttp.ClientSession, plan_id: str) -> list[str]:
        url = f"{self.base}/api/v1/outcomes/plans/{plan_id}/followups"
        async with self.http.get(url, headers=self.bearer["nurse"]) as answer:
            followups = _rows(await answer.json()) if answer.status == 200 else []
        due = [f for f in followups if f["status"] == "due"]
        if not due:
            return []
        token = _cookie(nurse, "csrftoken")
        link_url = f"{self.base}/outcomes/followups/{due[0]['id']}/link/"
        async with nurse.post(
            link_url, data={"csrfmiddlewaretoken": token},
            headers={"X-CSRFToken": token, "Referer": link_url},
        ) as answer:  # fmt: skip
            page = await answer.text()
        return re.findall(r"/outcomes/portal/s/([A-Za-z0-9_-]+)/", page)[:1]


def _rows(body: object) -> list[dict]:
    """A list answer, bare or paged (``{"items": [...], "count": n}``)."""
    if isinstance(body, dict):
        return list(body.get("items", []))
    return list(body) if isinstance(body, list) else []


def _cookie(session: aiohttp.ClientSession, name: str) -> str:
    for cookie in session.cookie_jar:
        if cookie.key == name:
            return cookie.value
    raise RuntimeError(f"The server set no {name} cookie")


async def _one(clinic: Clinic, kind: str, rng: random.Random) -> bool:
    base, http = clinic.base, clinic.http
    if kind == "search":
        url = f"{base}/api/v1/patients/?q={rng.choice(clinic.patients)[1][:3]}&limit=20"
        return await _get(http, url, clinic.bearer["desk"])
    if kind == "read":
        url = f"{base}/api/v1/patients/{rng.choice(clinic.patients)[0]}"
        return await _get(http, url, clinic.bearer["nurse"])
    if kind == "page":
        assert clinic.doctor is not None
        return await _get(clinic.doctor, f"{base}/patients/{rng.choice(clinic.patients)[0]}/")
    if kind == "lab":
        return await _get(http, f"{base}/api/v1/lab/products", clinic.bearer["lab"])
    if kind == "portal":
        return await _get(rng.choice(clinic.portals), f"{base}/outcomes/portal/survey/")
    return await _create(clinic, rng)


async def _get(session: aiohttp.ClientSession, url: str, headers: dict | None = None) -> bool:
    async with session.get(url, headers=headers, allow_redirects=False) as answer:
        await answer.read()
        return answer.status == 200


async def _create(clinic: Clinic, rng: random.Random) -> bool:
    body = {
        "family_name": f"Loadtest{rng.randrange(10**6)}",
        "given_name": "Bench",
        "date_of_birth": "1961-04-12",
        "sex": "female",
    }
    url = f"{clinic.base}/api/v1/patients/"
    async with clinic.http.post(url, json=body, headers=clinic.bearer["desk"]) as answer:
        await answer.read()
        return answer.status in (200, 201)


async def _drive(clients: int, seconds: float, step, seed: int) -> Tally:
    tally = Tally()
    deadline = time.perf_counter() + seconds

    async def client(number: int) -> None:
        rng = random.Random(seed * 1000 + number)
        while time.perf_counter() < deadline:
            kind, started = step(rng), time.perf_counter()
            try:
                ok = await step.run(kind, rng)
            except (TimeoutError, aiohttp.ClientError):
                ok = False
            tally.latencies[kind].append((time.perf_counter() - started) * 1000)
            if not ok:
                tally.errors[kind] += 1

    started = time.perf_counter()
    await asyncio.gather(*(client(n) for n in range(clients)))
    tally.seconds = time.perf_counter() - started
    return tally


class _Mix:
    def __init__(self, clinic: Clinic) -> None:
        self.clinic = clinic
        weights = dict(MIX) if clinic.portals else {k: v for k, v in MIX.items() if k != "portal"}
        self.kinds, self.weights = list(weights), list(weights.values())
        # Every kind goes out once before the weighted draw, so a short run covers the mix.
        self.unsent = list(self.kinds)

    def __call__(self, rng: random.Random) -> str:
        if self.unsent:
            return self.unsent.pop()
        return rng.choices(self.kinds, self.weights)[0]

    async def run(self, kind: str, rng: random.Random) -> bool:
        return await _one(self.clinic, kind, rng)


class _Ceiling:
    def __init__(self, clinic: Clinic) -> None:
        self.clinic = clinic

    def __call__(self, rng: random.Random) -> str:
        return "ceiling"

    async def run(self, kind: str, rng: random.Random) -> bool:
        return await _get(self.clinic.http, f"{self.clinic.base}/healthz")


async def bench_load(
    *, url: str, clients: list[int], seconds: float, users: Users, rounds: int = 1, seed: int = 7
) -> list[RoundResult]:
    """For each concurrency (and round): the mix for ``seconds``, then the ceiling."""
    base = loopback_only(url)
    timeout = aiohttp.ClientTimeout(total=60)
    connector = aiohttp.TCPConnector(limit=max(clients) + 8)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        clinic = Clinic(base, users, http)
        await clinic.prepare(portal_sessions=min(8, max(clients)))
        try:
            results = []
            for _ in range(rounds):
                for count in clients:
                    mix = await _drive(count, seconds, _Mix(clinic), seed)
                    ceiling = await _drive(count, seconds, _Ceiling(clinic), seed)
                    results.append(RoundResult(count, mix, ceiling))
            return results
        finally:
            await clinic.close()


def report_lines(result: RoundResult) -> list[str]:
    mix, ceiling = result.mix, result.ceiling
    lines = [
        f"{result.clients} clients, mix: {mix.requests} requests in {mix.seconds:.1f} s, "
        f"{mix.rate:.1f}/s, errors {mix.error_count}",
        f"  {'kind':<8} {'who':<11} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} errors",
    ]
    every: list[float] = []
    for kind in MIX:
        values = mix.latencies.get(kind, [])
        every += values
        if values:
            lines.append(_row(kind, WHO[kind], values, mix.errors.get(kind, 0)))
    lines.append(_row("all", "", every, mix.error_count))
    ceiling_values = ceiling.latencies.get("ceiling", [])
    lines += [
        f"{result.clients} clients, ceiling /healthz: {ceiling.rate:.1f}/s, "
        f"p50 {percentile(ceiling_values, 50):.1f} ms, p95 {percentile(ceiling_values, 95):.1f} "
        f"ms, errors {ceiling.error_count}",
        f"{result.clients} clients, mix / ceiling: {result.ratio:.3f}",
    ]
    return lines


def _row(kind: str, who: str, values: list[float], errors: int) -> str:
    p50, p95, p99 = (percentile(values, share) for share in (50, 95, 99))
    return f"  {kind:<8} {who:<11} {len(values):>6} {p50:>8.1f} {p95:>8.1f} {p99:>8.1f} {errors}"

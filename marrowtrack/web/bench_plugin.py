"""`marrowtrack bench lists`: time every list page and list endpoint on the current database.

Each case is a whole request through Django's test client (URL routing, middleware,
session or token authentication, the view, its queries and the template), so the figure is
what a user waits for minus the network. First pages and deep pages (a cursor far into the
list) are both timed: keyset paging should make them cost the same. Prints p50/p95 in
milliseconds and the number of SQL queries per request.

Each line also gives the median time spent in `cursor.execute`: on a busy machine the whole
request's p95 moves by tens of percent from run to run, while a query plan that reads more
rows as the data grows shows there. On PostgreSQL that is the whole query (the driver fetches
every row inside execute); SQLite hands rows over as Django fetches them, so there it is the
time to the first row (which still holds any sort of every match).

Comparing two data sizes (issue 18: p95 within 20 % from 10,000 to 100,000 patients):
`--save FILE` keeps a run's figures as JSON; a later run on the other database with
`--against FILE` prints both runs side by side with the change of p95 and flags any list
above 20 %. `--compare SMALLER LARGER` prints two saved runs, e.g. of two benches started
at the same time on the two databases, which then share whatever else loads the machine.

Everything runs inside one transaction that is rolled back at the end (the bench issues an
API token and may touch sessions), so the database is left as it was. The bench command
(patients) finds this module by name (core.discovery).
"""

from __future__ import annotations

import json
import statistics
import time
from argparse import ArgumentParser
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.test import Client

from marrowtrack.accounts.models import User
from marrowtrack.accounts.services import api_token_issue
from marrowtrack.audit.models import AuditEvent
from marrowtrack.core.models import Clinic
from marrowtrack.core.pagination import cursor_after
from marrowtrack.intake.selectors import plans_for_clinic_ordered
from marrowtrack.patients.models import Patient
from marrowtrack.patients.selectors import patient_search_ordered

NAME = "lists"
DEEP = 5_000  # how far into a list the "deep page" cursor points
PAGE = 60  # more than one page of the lists timed (50)
FLAT = 0.20  # the largest p95 growth at 10 times the data that still counts as flat


@dataclass(frozen=True)
class Case:
    label: str
    path: str
    perm: str
    api: bool = False


@dataclass(frozen=True)
class Figures:
    p50: float
    p95: float
    queries: int
    sql_p50: float  # the part of p50 spent in the database: what a query plan changes


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--save", type=Path, help="Write this run's figures to a JSON file.")
    parser.add_argument(
        "--against",
        type=Path,
        help="A file from --save (another data size): print both runs and the p95 change.",
    )
    parser.add_argument(
        "--compare",
        nargs=2,
        type=Path,
        metavar=("SMALLER", "LARGER"),
        help="Print two files from --save side by side and stop (for two runs made at the "
        "same time, so that both saw the same load on the machine).",
    )


def _deep_cursor(rows: QuerySet[Any]) -> str:
    """A cursor DEEP rows in, or one full page before the end of a shorter list (never
    an empty last page, which would flatter the figure)."""
    depth = min(DEEP, max(0, rows.count() - PAGE))
    row = rows[depth : depth + 1].first()
    return cursor_after(rows, row) if row is not None and depth else ""


def _name_prefix(clinic: Clinic) -> str:
    # The same at every size of the demo (its first patient), so two sizes compare.
    sample = Patient.objects.filter(clinic=clinic).order_by("pk").first()
    return sample.family_name_key[:3] if sample else "a"


def _cases(clinic: Clinic) -> list[Case]:
    prefix = _name_prefix(clinic)
    recent = patient_search_ordered(clinic=clinic, query="")
    trail = AuditEvent.objects.filter(clinic=clinic).order_by("-occurred_at", "-id")
    plans = plans_for_clinic_ordered(clinic=clinic)
    view_patients, view_audit = "patients.view_patient", "audit.view_auditevent"
    view_plans = "intake.view_treatmentplan"
    return [
        Case("page: patients, newest", "/patients/", view_patients),
        Case("page: patients, deep", f"/patients/?after={_deep_cursor(recent)}", view_patients),
        Case("page: patients, name search", f"/patients/?q={prefix}", view_patients),
        Case("page: audit, newest", "/audit/", view_audit),
        Case("page: audit, deep", f"/audit/?after={_deep_cursor(trail)}", view_audit),
        Case("page: plans, newest", "/plans/", view_plans),
        Case("page: plans, deep", f"/plans/?after={_deep_cursor(plans)}", view_plans),
        Case("page: procedure board", "/procedures/", "procedures.view_procedureencounter"),
        Case("page: schedule", "/plans/schedule/", "intake.view_appointment"),
        Case("page: recovery worklist", "/recovery/", "recovery.view_nursetask"),
        Case("api: patients", "/api/v1/patients/", view_patients, api=True),
        Case("api: patients, name search", f"/api/v1/patients/?q={prefix}", view_patients, True),
        Case("api: audit events", "/api/v1/audit/events", view_audit, api=True),
        Case(
            "api: audit events, deep",
            f"/api/v1/audit/events?cursor={_deep_cursor(trail)}",
            view_audit,
            api=True,
        ),
        Case("api: plans", "/api/v1/intake/plans", view_plans, api=True),
        Case("api: products", "/api/v1/lab/products", "lab.view_container", api=True),
        Case("api: nurse tasks", "/api/v1/recovery/tasks", "recovery.view_nursetask", True),
    ]


def _user_with(clinic: Clinic, perm: str) -> User | None:
    staff = User.objects.filter(clinic=clinic, is_active=True).order_by("pk")
    return next((user for user in staff if user.has_perm(perm)), None)


def _client(user: User, api: bool) -> Client:
    host = settings.ALLOWED_HOSTS[0] if settings.ALLOWED_HOSTS else "localhost"
    if api:
        _, secret = api_token_issue(user=user)
        return Client(HTTP_HOST=host, HTTP_AUTHORIZATION=f"Bearer {secret}")
    client = Client(HTTP_HOST=host)
    client.force_login(user)
    return client


@dataclass(frozen=True)
class Samples:
    total_ms: list[float]  # each request, whole
    sql_ms: list[float]  # each request, the time spent in cursor.execute (see above)
    status: int
    queries: int


def _time(request: Callable[[], Any], repeats: int) -> Samples:
    queries: list[str] = []
    in_sql = [0.0]

    def count(execute: Callable[..., Any], sql: str, *args: Any) -> Any:
        queries.append(sql)
        return execute(sql, *args)

    def clock_sql(execute: Callable[..., Any], sql: str, *args: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, *args)
        finally:
            in_sql[0] += (time.perf_counter() - started) * 1000

    # An execute wrapper, not the query log: Django clears that log as each request starts.
    with connection.execute_wrapper(count):
        status = request().status_code  # warm caches; also the query count of one request
    total, sql = [], []
    with connection.execute_wrapper(clock_sql):
        for _ in range(repeats):
            in_sql[0] = 0.0
            started = time.perf_counter()
            request()
            total.append((time.perf_counter() - started) * 1000)
            sql.append(in_sql[0])
    return Samples(total, sql, status, len(queries))


def run(options: dict[str, Any], write: Callable[[str], None]) -> None:
    if options.get("compare"):
        smaller, larger = options["compare"]
        _compare(_load(smaller), *_load(larger), write)
        return
    clinic = Clinic.objects.order_by("pk").first()
    if clinic is None:
        write("No clinic: load data first (marrowtrack demo --patients 10000).")
        return
    earlier = _load(options["against"]) if options.get("against") else None
    patients = Patient.objects.filter(clinic=clinic).count()
    title = f"{connection.vendor}, {patients} patients"
    write(f"{connection.vendor}: {patients} patients in {clinic.name}; {options['repeats']} runs")
    write(f"  deep pages start {DEEP} rows in, or one page before the end of a shorter list")
    write(f"  name searches look for '{_name_prefix(clinic)}' (the first patient's family name)")
    figures: dict[str, Figures] = {}
    with transaction.atomic():
        for case in _cases(clinic):
            found = _report(case, clinic, options["repeats"], write)
            if found is not None:
                figures[case.label] = found
        transaction.set_rollback(True)
    if options.get("save"):
        _save(options["save"], title, figures)
        write(f"  figures saved to {options['save']}")
    if earlier is not None:
        _compare(earlier, title, figures, write)


def _save(path: Path, title: str, figures: dict[str, Figures]) -> None:
    rows = {label: vars(found) for label, found in figures.items()}
    path.write_text(json.dumps({"title": title, "figures": rows}, indent=1))


def _load(path: Path) -> tuple[str, dict[str, Figures]]:
    saved = json.loads(path.read_text())
    return saved["title"], {label: Figures(**row) for label, row in saved["figures"].items()}


def _compare(
    earlier: tuple[str, dict[str, Figures]],
    title: str,
    figures: dict[str, Figures],
    write: Callable[[str], None],
) -> None:
    before_title, before = earlier
    write(f"\n  p50 / p95 (sql p50) ms: {before_title} | {title} | p95 change | queries")
    for label, now in figures.items():
        then = before.get(label)
        if then is None:
            write(f"  {label:<30} not in the earlier run")
            continue
        change = (now.p95 - then.p95) / then.p95 if then.p95 else 0.0
        flag = "  > 20 %" if change > FLAT else ""
        write(
            f"  {label:<30} {then.p50:6.1f} / {then.p95:6.1f} ({then.sql_p50:5.1f}) | "
            f"{now.p50:6.1f} / {now.p95:6.1f} ({now.sql_p50:5.1f}) | {change:+5.0%}{flag} | "
            f"{then.queries} / {now.queries}"
        )


def _report(
    case: Case, clinic: Clinic, repeats: int, write: Callable[[str], None]
) -> Figures | None:
    user = _user_with(clinic, case.perm)
    if user is None:
        write(f"  {case.label:<34} skipped: no staff member may see it")
        return None
    client = _client(user, case.api)
    found = _time(lambda: client.get(case.path), repeats)
    p50, p95 = statistics.median(found.total_ms), _p95(found.total_ms)
    sql_p50 = statistics.median(found.sql_ms)
    write(
        f"  {case.label:<34} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  sql p50 {sql_p50:6.1f} ms  "
        f"{found.queries:3d} queries  HTTP {found.status}"
    )
    return Figures(p50=p50, p95=p95, queries=found.queries, sql_p50=sql_p50)


def _p95(samples: list[float]) -> float:
    return sorted(samples)[int(0.95 * (len(samples) - 1))]

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
`--sizes SMALL LARGE` times both databases in one run, two worker processes taking turns
in small batches, so the machine's drift lands on both alike (bench_sizes.py; ADR 0035).
That is the comparison to trust on a shared or virtual machine. `--save FILE` keeps a
run's figures as JSON, `--against FILE` prints a run beside a saved one, `--compare SMALLER
LARGER` two saved ones: runs made at different times, for looking back, not for 20 %.

Everything runs inside one transaction that is rolled back at the end (the bench issues an
API token and may touch sessions), so the database is left as it was. The bench command
(patients) finds this module by name (core.discovery).
"""

from __future__ import annotations

import json
import os
import sys
import time
from argparse import SUPPRESS, ArgumentParser
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import Count, QuerySet
from django.db.models.functions import Substr
from django.test import Client

from marrowtrack.accounts.models import User
from marrowtrack.accounts.services import api_token_issue
from marrowtrack.audit.models import AuditEvent
from marrowtrack.core.models import Clinic
from marrowtrack.core.pagination import cursor_after
from marrowtrack.intake.selectors import plans_for_clinic_ordered
from marrowtrack.patients.models import Patient
from marrowtrack.patients.selectors import patient_search_ordered
from marrowtrack.web.bench_sizes import (
    Figures,
    Series,
    SizesError,
    check_counts,
    comparison_header,
    comparison_row,
    figures_of,
    run_sizes,
    sides_from,
)

NAME = "lists"
DEEP = 5_000  # how far into a list the "deep page" cursor points
PAGE = 60  # more than one page of the lists timed (50)
REPEATS_ONE_RUN = 30
REPEATS_SIZES = 200  # two sizes in one run: enough requests for a stable p95


@dataclass(frozen=True)
class Case:
    label: str
    path: str
    perm: str
    api: bool = False


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument(
        "--repeats",
        type=int,
        help=f"Requests per list (default {REPEATS_ONE_RUN}; {REPEATS_SIZES} with --sizes).",
    )
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
        help="Print two files from --save side by side and stop.",
    )
    parser.add_argument(
        "--sizes",
        nargs=2,
        metavar=("SMALL", "LARGE"),
        help="Time two databases in one run, in alternating batches (each a var directory, "
        "a SQLite file or a database URL): the way to compare sizes on a machine whose "
        "speed drifts.",
    )
    parser.add_argument(
        "--batch", type=int, default=10, help="With --sizes: requests per turn (default 10)."
    )
    parser.add_argument(
        "--only", default="", metavar="TEXT", help="Only the lists whose name contains TEXT."
    )
    parser.add_argument("--worker", action="store_true", help=SUPPRESS)  # one side of --sizes


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


def _common_given_prefix(clinic: Clinic) -> str:
    """The clinic's commonest two-letter start of a given name ('jo' in the demo at every
    size): the search whose given-name branch has the most matches to order."""
    starts = (
        Patient.objects.filter(clinic=clinic)
        .annotate(start=Substr("given_name_key", 1, 2))
        .values("start")
        .annotate(patients=Count("id"))
        .order_by("-patients", "start")
    )
    commonest = starts.first()
    return commonest["start"] if commonest else "a"


def _cases(clinic: Clinic, only: str = "") -> list[Case]:
    prefix, given = _name_prefix(clinic), _common_given_prefix(clinic)
    recent = patient_search_ordered(clinic=clinic, query="")
    trail = AuditEvent.objects.filter(clinic=clinic).order_by("-occurred_at", "-id")
    plans = plans_for_clinic_ordered(clinic=clinic)
    view_patients, view_audit = "patients.view_patient", "audit.view_auditevent"
    view_plans = "intake.view_treatmentplan"
    cases = [
        Case("page: patients, newest", "/patients/", view_patients),
        Case("page: patients, deep", f"/patients/?after={_deep_cursor(recent)}", view_patients),
        Case("page: patients, name search", f"/patients/?q={prefix}", view_patients),
        Case("page: patients, given-name search", f"/patients/?q={given}", view_patients),
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
    return [case for case in cases if only in case.label]


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


def _count_queries(request: Callable[[], Any]) -> Series:
    """One request (which also warms the caches), for its status and number of queries."""
    queries: list[str] = []

    def count(execute: Callable[..., Any], sql: str, *args: Any) -> Any:
        queries.append(sql)
        return execute(sql, *args)

    # An execute wrapper, not the query log: Django clears that log as each request starts.
    with connection.execute_wrapper(count):
        status = request().status_code
    return Series(queries=len(queries), status=status)


def _timed(request: Callable[[], Any], repeats: int) -> dict[str, list[float]]:
    """Each request's wall time, this thread's CPU time and the time in cursor.execute
    (milliseconds); CPU time does not count waiting for a core, a lock or the database."""
    in_sql = [0.0]

    def clock_sql(execute: Callable[..., Any], sql: str, *args: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, *args)
        finally:
            in_sql[0] += (time.perf_counter() - started) * 1000

    wall, cpu, sql = [], [], []
    with connection.execute_wrapper(clock_sql):
        for _ in range(repeats):
            in_sql[0] = 0.0
            started, started_cpu = time.perf_counter(), time.thread_time()
            request()
            cpu.append((time.thread_time() - started_cpu) * 1000)
            wall.append((time.perf_counter() - started) * 1000)
            sql.append(in_sql[0])
    return {"wall": wall, "cpu": cpu, "sql": sql}


def run(options: dict[str, Any], write: Callable[[str], None]) -> None:
    if options.get("worker"):
        return serve_worker(options["only"])
    if options.get("sizes"):
        return _run_sizes(options, write)
    if options.get("compare"):
        smaller, larger = options["compare"]
        _compare(_load(smaller), *_load(larger), write)
        return
    clinic = Clinic.objects.order_by("pk").first()
    if clinic is None:
        write("No clinic: load data first (marrowtrack demo --patients 10000).")
        return
    repeats = options["repeats"] or REPEATS_ONE_RUN
    earlier = _load(options["against"]) if options.get("against") else None
    title = _title(clinic)
    write(f"{title} in {clinic.name}; {repeats} runs")
    for note in _notes(clinic):
        write(f"  {note}")
    figures: dict[str, Figures] = {}
    with transaction.atomic():
        for case in _cases(clinic, options["only"]):
            found = _report(case, clinic, repeats, write)
            if found is not None:
                figures[case.label] = found
        transaction.set_rollback(True)
    if options.get("save"):
        _save(options["save"], title, figures)
        write(f"  figures saved to {options['save']}")
    if earlier is not None:
        _compare(earlier, title, figures, write)


def _title(clinic: Clinic) -> str:
    patients = Patient.objects.filter(clinic=clinic).count()
    return f"{connection.vendor}, {patients} patients"


def _notes(clinic: Clinic) -> list[str]:
    return [
        f"deep pages start {DEEP} rows in, or one page before the end of a shorter list",
        f"name searches look for '{_name_prefix(clinic)}' (the first patient's family name)",
        f"the given-name search for '{_common_given_prefix(clinic)}' (the commonest start)",
    ]


def _run_sizes(options: dict[str, Any], write: Callable[[str], None]) -> None:
    """Two databases in one run (bench_sizes): arguments checked before any worker starts."""
    clashing = [name for name in ("save", "against", "compare") if options.get(name)]
    if clashing:
        raise CommandError(f"--sizes measures both sizes itself; drop --{clashing[0]}")
    repeats = options["repeats"] or REPEATS_SIZES
    try:
        check_counts(repeats, options["batch"])
        sides = sides_from(*options["sizes"])
        run_sizes(sides, repeats, options["batch"], options["only"], write)
    except SizesError as error:
        raise CommandError(str(error)) from error


def serve_worker(only: str) -> None:
    """The worker of `--sizes`: reads one JSON request a line from stdin, answers one line.
    Requests: {"warm": label} -> status and queries; {"run": label, "count": n} -> the
    batch's times. Ends (rolling everything back) at the end of its input."""
    answers = _protocol_channel()
    clinic = Clinic.objects.order_by("pk").first()
    if clinic is None:
        answers({"error": "no clinic: load data first (marrowtrack demo --patients 10000)"})
        return
    with transaction.atomic():
        requests, notes = _worker_requests(clinic, only)
        answers({"title": _title(clinic), "notes": notes, "lists": list(requests)})
        for line in sys.stdin:
            asked = json.loads(line)
            if "warm" in asked:
                found = _count_queries(requests[asked["warm"]])
                answers({"status": found.status, "queries": found.queries})
            else:
                answers(_timed(requests[asked["run"]], asked["count"]))
        transaction.set_rollback(True)


def _worker_requests(clinic: Clinic, only: str) -> tuple[dict[str, Callable[[], Any]], list[str]]:
    requests: dict[str, Callable[[], Any]] = {}
    notes = _notes(clinic)
    for case in _cases(clinic, only):
        user = _user_with(clinic, case.perm)
        if user is None:
            notes.append(f"{case.label} skipped: no staff member may see it")
            continue
        requests[case.label] = partial(_client(user, case.api).get, case.path)
    return requests, notes


def _protocol_channel() -> Callable[[dict[str, Any]], None]:
    """Answers go to the real stdout; anything else that prints (a log line, a warning)
    is sent to stderr instead, so it cannot break the protocol."""
    channel = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())

    def answer(message: dict[str, Any]) -> None:
        channel.write(json.dumps(message) + "\n")
        channel.flush()

    return answer


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
    write(comparison_header(before_title, title))
    for label, now in figures.items():
        then = before.get(label)
        if then is None:
            write(f"  {label:<34} not in the earlier run")
            continue
        write(comparison_row(label, then, now))


def _report(
    case: Case, clinic: Clinic, repeats: int, write: Callable[[str], None]
) -> Figures | None:
    user = _user_with(clinic, case.perm)
    if user is None:
        write(f"  {case.label:<34} skipped: no staff member may see it")
        return None
    request = partial(_client(user, case.api).get, case.path)
    found = _count_queries(request)
    found.add(_timed(request, repeats))
    figures = figures_of(found)
    write(
        f"  {case.label:<34} p50 {figures.p50:7.1f} ms  p95 {figures.p95:7.1f} ms  "
        f"sql p50 {figures.sql_p50:6.1f} ms  {found.queries:3d} queries  HTTP {found.status}"
    )
    return figures

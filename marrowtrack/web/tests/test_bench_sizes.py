"""`bench lists --sizes`: its arguments, the order of the batches, and the comparison
(bench_sizes.py). The workers' requests are the same code as a one-database run."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from marrowtrack.testing.factories import ClinicFactory, PatientFactory
from marrowtrack.web import bench_plugin, bench_sizes
from marrowtrack.web.bench_sizes import (
    Figures,
    Side,
    SizesError,
    check_counts,
    comparison_row,
    rounds,
    side_from,
    sides_from,
    verdict,
)

URL = "postgresql://marrowtrack:marrowtrack@127.0.0.1:5432/mt_small"


@pytest.fixture
def var_dir(tmp_path: Path) -> Path:
    (tmp_path / "marrowtrack.sqlite3").write_bytes(b"")
    return tmp_path


def test_a_database_url_is_given_to_the_worker_as_is() -> None:
    assert side_from(URL).env == {"DATABASE_URL": URL}


def test_a_var_directory_means_its_sqlite_file(var_dir: Path) -> None:
    side = side_from(str(var_dir))
    assert side.env == {"MARROWTRACK_VAR_DIR": str(var_dir), "DATABASE_URL": ""}
    assert side.sqlite_file == var_dir / "marrowtrack.sqlite3"


def test_a_sqlite_file_or_url_is_read_with_its_directory_as_the_var_dir(var_dir: Path) -> None:
    database = var_dir / "marrowtrack.sqlite3"
    for given in (str(database), f"sqlite:///{database}"):
        side = side_from(given)
        assert side.env == {
            "MARROWTRACK_VAR_DIR": str(var_dir),
            "DATABASE_URL": f"sqlite:///{database}",
        }


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ("/no/such/place", "no such var directory or SQLite file"),
        ("mysql://u:p@host/db", "only postgresql:// and sqlite://"),
        ("sqlite:////no/such.sqlite3", "no such SQLite file"),
    ],
)
def test_a_side_that_cannot_work_is_refused_in_words(given: str, said: str) -> None:
    with pytest.raises(SizesError, match=said):
        side_from(given)


def test_a_directory_without_a_database_is_not_a_var_dir(tmp_path: Path) -> None:
    with pytest.raises(SizesError, match="not a var dir"):
        side_from(str(tmp_path))


def test_the_same_sqlite_file_twice_is_refused(var_dir: Path) -> None:
    # The first worker's write lock would make the second time out.
    with pytest.raises(SizesError, match="same SQLite file"):
        sides_from(str(var_dir), str(var_dir / "marrowtrack.sqlite3"))


def test_the_same_database_url_twice_is_allowed() -> None:
    # Two PostgreSQL sessions do not block each other: an A/A run shows the noise.
    assert sides_from(URL, URL)[0] == sides_from(URL, URL)[1]


@pytest.mark.parametrize(
    ("repeats", "batch", "said"),
    [(19, 10, "--repeats 19"), (200, 0, "--batch 0"), (30, 31, "--batch 31")],
)
def test_counts_that_cannot_give_a_p95_are_refused(repeats: int, batch: int, said: str) -> None:
    with pytest.raises(SizesError, match=said):
        check_counts(repeats, batch)


@pytest.mark.parametrize(("repeats", "batch"), [(200, 10), (25, 10), (20, 20), (21, 1)])
def test_each_side_gets_every_request_in_batches_no_larger_than_asked(
    repeats: int, batch: int
) -> None:
    steps = rounds(repeats, batch)
    per_side: Counter[int] = Counter()
    for side, count in steps:
        per_side[side] += count
        assert 1 <= count <= batch
    assert per_side == {0: repeats, 1: repeats}


def test_the_sides_take_turns_and_swap_who_goes_first() -> None:
    assert rounds(40, 10) == [
        (0, 10),
        (1, 10),
        (1, 10),
        (0, 10),
        (0, 10),
        (1, 10),
        (1, 10),
        (0, 10),
    ]
    # Neither size waits more than two batches for its turn.
    sides = [side for side, _ in rounds(200, 10)]
    assert all(sides[i : i + 3] != [sides[i]] * 3 for i in range(len(sides) - 2))


def _figures(p95: float, queries: int = 9, cpu_p95: float | None = 10.0) -> Figures:
    return Figures(p50=p95 / 2, p95=p95, queries=queries, sql_p50=1.0, cpu_p95=cpu_p95)


def test_a_p95_growth_above_twenty_percent_is_flagged() -> None:
    assert "> 20 %" in comparison_row("page: patients", _figures(100.0), _figures(120.5))
    assert "> 20 %" not in comparison_row("page: patients", _figures(100.0), _figures(120.0))
    assert "> 20 %" not in comparison_row("page: patients", _figures(100.0), _figures(60.0))


def test_the_row_shows_the_cpu_change_and_different_query_counts() -> None:
    row = comparison_row("api: plans", _figures(100.0, 5, 10.0), _figures(110.0, 6, 15.0))
    assert "+10%" in row and "(cpu  +50%)" in row and "5 / 6  queries differ" in row
    assert "cpu" not in comparison_row("api: plans", _figures(10.0, cpu_p95=None), _figures(10.0))


def test_the_verdict_names_the_lists_above_twenty_percent() -> None:
    pairs = {
        "flat": (_figures(100.0), _figures(101.0)),
        "grown": (_figures(100.0), _figures(150.0)),
    }
    assert verdict(pairs) == "  1 of 2 lists above 20%: grown"
    assert verdict({"flat": pairs["flat"]}) == "  every list's p95 within 20% (1 lists)"


class FakeWorker:
    """Stands in for a worker process: answers warm and run, and logs what it was asked."""

    def __init__(self, name: str, wall_ms: float, asked: list[tuple[str, Any]]) -> None:
        self.side = Side(name, {})
        self.hello = {"title": name, "notes": [], "lists": ["page: audit"]}
        self.wall_ms, self.asked = wall_ms, asked

    def ask(self, **request: Any) -> dict[str, Any]:
        self.asked.append((self.side.given, request))
        if "warm" in request:
            return {"status": 200, "queries": 9}
        times = [self.wall_ms] * request["count"]
        return {"wall": times, "cpu": times, "sql": [1.0] * request["count"]}


def test_the_driver_asks_the_two_workers_in_the_schedule_order() -> None:
    asked: list[tuple[str, Any]] = []
    workers = [FakeWorker("small", 10.0, asked), FakeWorker("large", 30.0, asked)]
    pairs = bench_sizes._measure_every_list(workers, 25, 10, lambda line: None)  # type: ignore[arg-type]
    runs = [(name, request["count"]) for name, request in asked if "run" in request]
    names = {0: "small", 1: "large"}
    assert runs == [(names[side], count) for side, count in rounds(25, 10)]
    small, large = pairs["page: audit"]
    assert (small.p95, large.p95, small.queries) == (10.0, 30.0, 9)


def test_the_command_refuses_sizes_with_a_saved_run(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="drop --save"):
        call_command("bench", "lists", "--sizes", URL, URL, "--save", str(tmp_path / "x.json"))


def test_the_command_checks_the_sides_before_starting_workers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(bench_sizes, "Worker", None)  # starting one would fail differently
    with pytest.raises(CommandError, match="no such var directory"):
        call_command("bench", "lists", "--sizes", URL, "/no/such/place")
    with pytest.raises(CommandError, match="--repeats 5"):
        call_command("bench", "lists", "--sizes", URL, URL, "--repeats", "5")


@pytest.mark.django_db
def test_the_given_name_search_looks_for_the_commonest_start() -> None:
    clinic = ClinicFactory()
    for given in ("Joan", "John", "Mary", "Marta", "Josef", "Ann"):
        PatientFactory(clinic=clinic, given_name=given)
    PatientFactory(given_name="Maria")  # another clinic's patients do not count
    PatientFactory(given_name="Mark")
    assert bench_plugin._common_given_prefix(clinic) == "jo"


@pytest.mark.django_db
def test_only_keeps_the_lists_whose_name_contains_the_text() -> None:
    clinic = PatientFactory().clinic
    labels = [case.label for case in bench_plugin._cases(clinic, "search")]
    assert labels == [
        "page: patients, name search",
        "page: patients, given-name search",
        "api: patients, name search",
    ]

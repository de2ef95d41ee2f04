"""The rescoring benchmark times the whole stored-answers-to-stored-scores path and leaves the
database as it found it."""

from __future__ import annotations

import io
from datetime import date

import pytest
import time_machine
from django.core.management import call_command

from marrowtrack.outcomes.benchmark import time_case
from marrowtrack.outcomes.models import SurveyResponse
from marrowtrack.outcomes.services.responses import response_transcribe, response_verify
from marrowtrack.outcomes.tests.factories import PAPER, koos_answers, make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored(patient, staff):
    plan = make_plan(patient, staff["physician"])
    for day, code, answers in (
        (date(2026, 1, 5), "KOOS", koos_answers(2)),
        (date(2026, 1, 5), "NPRS", {"NPRS": 7}),
        (date(2026, 1, 22), "NPRS", {"NPRS": 4}),
    ):
        with time_machine.travel(f"{day} 12:00-05:00", tick=False):
            response = response_transcribe(
                plan=plan,
                instrument=code,
                answers=answers,
                answered_on=day,
                by=staff["nurse"],
                form=PAPER,
            )
            response_verify(response=response, by=staff["physician"])
    return plan


def test_every_path_is_timed_over_every_response_and_the_data_is_left_unchanged(stored):
    before = list(SurveyResponse.objects.order_by("pk").values_list("scores", "rule_version"))
    timing = time_case(rewrite=True)
    assert timing.responses == {"KOOS": 1, "NPRS": 2}
    assert timing.total_responses == 3
    assert timing.answers == 42 + 2
    for seconds in (timing.exact, timing.vectorised, timing.floor):
        assert seconds.wall > 0 and seconds.cpu > 0
    assert timing.speedup() == timing.exact.cpu / timing.vectorised.cpu
    after = list(SurveyResponse.objects.order_by("pk").values_list("scores", "rule_version"))
    assert after == before


def test_the_command_prints_both_cases_beside_the_floor(stored):
    out = io.StringIO()
    call_command("outcomes_bench", stdout=out)
    text = out.getvalue()
    assert "nothing changed: read, score, compare" in text
    assert "rule change: read, score, write every row" in text
    assert text.count("\nexact ") == 2 and text.count("\nvectorised ") == 2
    assert text.count("\nfloor ") == 2
    assert "3 responses, 44 answers (KOOS 1, NPRS 2)" in text
    assert "x the exact path in CPU seconds" in text


def test_the_command_asks_for_data_when_the_registry_is_empty(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="load data first"):
        call_command("outcomes_bench", "--unchanged", stdout=io.StringIO())


@pytest.mark.parametrize("vectorised_first", [False, True])
def test_the_paths_run_in_the_order_asked_for(stored, monkeypatch, vectorised_first):
    """Runs alternate which path goes first: the first path in a process also pays what a
    process does once."""
    from marrowtrack.outcomes.services import rescore

    ran: list[bool] = []
    real = rescore.rescore_all

    def noted(**kwargs):
        ran.append(kwargs["exact"])
        return real(**kwargs)

    monkeypatch.setattr(rescore, "rescore_all", noted)
    out = io.StringIO()
    options = ["--vectorised-first"] if vectorised_first else []
    call_command("outcomes_bench", "--unchanged", *options, stdout=out)
    assert ran == ([False, True] if vectorised_first else [True, False])
    assert ("vectorised first" if vectorised_first else "exact first") in out.getvalue()

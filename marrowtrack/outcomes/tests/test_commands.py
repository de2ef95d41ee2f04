"""Management commands: score (exit 2 naming the item), outcomes_bench, rescore."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command


def _score(*args: str, stdin: str = "", monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    out, err = io.StringIO(), io.StringIO()
    call_command("score", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_score_reads_an_object_from_stdin(monkeypatch):
    out, _ = _score("NPRS", "-", stdin='{"NPRS": 7}', monkeypatch=monkeypatch)
    assert json.loads(out) == {"total": 7, "reasons": []}


def test_score_reads_an_array_from_a_file(tmp_path, monkeypatch):
    path = tmp_path / "answers.json"
    path.write_text('[{"NPRS": 1}, {"NPRS": null}]')
    out, _ = _score("nprs", str(path), monkeypatch=monkeypatch)
    assert [r["total"] for r in json.loads(out)] == [1, None]


@pytest.mark.parametrize(
    ("stdin", "named"),
    [('{"P1": 9}', "P1"), ('{"S5": "Never"}', "S5"), ('{"NOPE": 1}', "NOPE")],
)
def test_score_exits_2_naming_the_item(stdin, named, monkeypatch):
    with pytest.raises(SystemExit) as exited:
        _score("KOOS", "-", stdin=stdin, monkeypatch=monkeypatch)
    assert exited.value.code == 2


def test_score_error_message_names_the_item(monkeypatch, capsys):
    err = io.StringIO()
    monkeypatch.setattr("sys.stdin", io.StringIO('{"S5": 5}'))
    with pytest.raises(SystemExit):
        call_command("score", "KOOS", "-", stderr=err)
    assert err.getvalue().startswith("error: S5: 5 is outside 0-4")


def test_score_list_names_instruments_items_and_keys():
    out = io.StringIO()
    call_command("score", "--list", stdout=out)
    listing = {entry["code"]: entry for entry in json.loads(out.getvalue())}
    assert listing["KOOS"]["score_keys"] == ["pain", "symptoms", "adl", "sport_rec", "qol"]
    assert "PAIN_VAS" in listing["ASES"]["items"]


def test_outcomes_bench_prints_the_three_rates_in_one_run():
    out = io.StringIO()
    call_command("outcomes_bench", "--respondents", "50", stdout=out)
    text = out.getvalue()
    assert "one-by-one/s" in text and "bulk/s" in text and "nanmean/s" in text
    assert "KOOS" in text


@pytest.mark.django_db
def test_rescore_restores_tampered_scores(patient, staff):
    from datetime import date

    import time_machine

    from marrowtrack.outcomes.models import SurveyResponse
    from marrowtrack.outcomes.services.responses import response_transcribe, response_verify
    from marrowtrack.outcomes.tests.factories import PAPER, koos_answers, make_plan

    plan = make_plan(patient, staff["physician"])
    with time_machine.travel("2026-01-25 12:00-05:00", tick=False):
        r = response_transcribe(
            plan=plan,
            instrument="KOOS",
            answers=koos_answers(1),
            answered_on=date(2026, 1, 22),
            by=staff["nurse"],
            form=PAPER,
        )
        response_verify(response=r, by=staff["physician"])
    good = SurveyResponse.objects.get().scores
    SurveyResponse.objects.update(scores={}, rule_version="old")
    call_command("rescore", stdout=io.StringIO())
    assert SurveyResponse.objects.get().scores == good

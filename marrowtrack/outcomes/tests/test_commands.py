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


@pytest.mark.parametrize(
    ("code", "answers", "expected"),
    [
        ("HOOS", {"S1": 1, "S2": 1, "S3": 1}, {"symptoms": 75.0}),
        ("PGA", {"PGA": 35}, {"total": 35}),
        ("HOOS_JR", dict.fromkeys(["P5", "P10", "A3", "A5", "A12", "A14"], 1), {"raw_sum": 6}),
    ],
)
def test_score_covers_the_added_instruments(code, answers, expected, monkeypatch):
    out, _ = _score(code, "-", stdin=json.dumps(answers), monkeypatch=monkeypatch)
    result = json.loads(out)
    assert {key: result[key] for key in expected} == expected


def test_score_with_derived_gives_womac_from_koos_answers(monkeypatch):
    answers = {f"P{i}": 2 for i in range(5, 10)} | {"S6": 2, "S7": 2}
    answers |= {f"A{i}": 2 for i in range(1, 18)}
    out, _ = _score("KOOS", "-", "--derived", stdin=json.dumps(answers), monkeypatch=monkeypatch)
    result = json.loads(out)
    assert list(result) == ["KOOS", "KOOS_JR", "WOMAC"]
    assert result["WOMAC"]["pain"] == 50.0 and result["WOMAC"]["total"] == 50.0


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
    out = io.StringIO()
    call_command("rescore", stdout=out)
    assert SurveyResponse.objects.get().scores == good
    assert "KOOS: 1 read, 1 changed" in out.getvalue()
    assert "vectorised" in out.getvalue()
    call_command("rescore", "--exact", stdout=out)
    assert "KOOS: 1 read, 0 changed" in out.getvalue()


@pytest.mark.django_db
def test_rescore_keeps_old_scores_of_answers_the_current_rules_refuse(patient, staff):
    from marrowtrack.outcomes.models import SurveyResponse
    from marrowtrack.outcomes.scoring import score_json
    from marrowtrack.outcomes.tests.factories import make_plan

    plan = make_plan(patient, staff["physician"])
    # An EQ VAS recorded with a decimal before the EQ VAS became an integer.
    old_scores, _ = score_json("EQ5D5L", {"MO": 1, "SC": 1, "UA": 1, "PD": 1, "AD": 1})
    SurveyResponse.objects.create(
        plan=plan,
        patient=patient,
        instrument="EQ5D5L",
        instrument_version="EQ-5D-5L (2009)",
        answers={"MO": 1, "SC": 1, "UA": 1, "PD": 1, "AD": 1, "VAS": 55.5},
        scores=old_scores,
        rule_version="old",
        source="portal",
        status="submitted",
    )
    out, err = io.StringIO(), io.StringIO()
    call_command("rescore", stdout=out, stderr=err)
    assert "VAS: 55.5 is not a valid answer" in err.getvalue()
    assert SurveyResponse.objects.get().rule_version == "old"
    assert "1 refused" in out.getvalue()


@pytest.mark.django_db
def test_rescore_scores_rows_with_missing_answers_without_the_one_by_one_scorer(
    patient, staff, monkeypatch
):
    """Issue 18 item 1: the missing-data rules (at least half answered, WOMAC's imputation
    with the subscale's mean, none allowed) run as array operations, so `rescore` calls the
    exact scorer for no row, and stores what the exact scorer gives."""
    from marrowtrack.outcomes import scoring
    from marrowtrack.outcomes.models import SurveyResponse
    from marrowtrack.outcomes.tests.factories import make_plan

    plan = make_plan(patient, staff["physician"])
    koos = {code: 2 for code in scoring.instrument("KOOS").definition.item_codes}
    sets = {
        # Pain 4 of 9 (null), WOMAC function with 2 items imputed, symptoms complete.
        "KOOS": {**koos, "P1": None, "P2": None, "P3": None, "P4": None, "P5": None, "A1": None},
        "ODI": {f"ODI{i}": 3 for i in range(1, 10)},  # one section missing: still scored
        "SPADI": {"P1": 4, "P2": 5, "D1": 1},  # too few: null with reasons
        "NPRS": {"NPRS": None},
    }
    expected = {code: scoring.score_json(code, answers) for code, answers in sets.items()}
    for code, answers in sets.items():
        SurveyResponse.objects.create(
            plan=plan,
            patient=patient,
            instrument=code,
            instrument_version=scoring.instrument(code).definition.version,
            answers=answers,
            scores={},
            rule_version="old",
            source="portal",
            status="submitted",
        )

    def one_by_one(*args, **kwargs):
        raise AssertionError("a row was scored one by one")

    monkeypatch.setattr(scoring, "score", one_by_one)
    monkeypatch.setattr(scoring, "score_json", one_by_one)
    out = io.StringIO()
    call_command("rescore", stdout=out)
    assert "4 changed, 0 refused" in out.getvalue()
    for row in SurveyResponse.objects.all():
        assert (row.scores, row.rule_version) == expected[row.instrument], row.instrument
    assert SurveyResponse.objects.get(instrument="KOOS").scores["KOOS"]["pain"] is None
    assert SurveyResponse.objects.get(instrument="ODI").scores["ODI"]["total"] == 60.0

"""Hand-worked reference cases (fixtures/*.json) for every instrument, through score()."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from marrowtrack.outcomes.scoring import AnswerError, instrument_list, score

FIXTURES = Path(__file__).parent / "fixtures"


def _load() -> list[tuple[str, dict[str, Any]]]:
    cases = []
    for path in sorted(FIXTURES.glob("*_reference.json")):
        data = json.loads(path.read_text())
        cases += [(data["instrument"], case) for case in data["cases"]]
    return cases


CASES = _load()
SCORED = [(code, case) for code, case in CASES if "error_item" not in case]
ERRORS = [(code, case) for code, case in CASES if "error_item" in case]


@pytest.mark.parametrize(("code", "case"), SCORED, ids=[f"{c}-{k['name']}" for c, k in SCORED])
def test_reference_case_scores_match_the_hand_worked_values(code: str, case: dict) -> None:
    result = score(code, case["answers"]).to_json()
    reasons = result.pop("reasons")
    assert result == case["expected"], case["arithmetic"]
    assert reasons == case["reasons"]


@pytest.mark.parametrize(("code", "case"), ERRORS, ids=[f"{c}-{k['name']}" for c, k in ERRORS])
def test_reference_case_errors_name_the_offending_item(code: str, case: dict) -> None:
    with pytest.raises(AnswerError) as caught:
        score(code, case["answers"])
    assert caught.value.item_code == case["error_item"]
    assert case["error_item"] in str(caught.value)


@pytest.mark.parametrize("code", [d.code for d in instrument_list()])
def test_every_instrument_has_full_missing_and_error_reference_cases(code: str) -> None:
    mine = [case for c, case in CASES if c == code]
    scored = [case for case in mine if "error_item" not in case]
    assert any(case["name"].startswith("full") for case in scored)
    assert any(case["reasons"] for case in scored), "a case with a null score and a reason"
    assert any("unknown" in case["name"] for case in mine if "error_item" in case)
    assert any("range" in case["name"] for case in mine if "error_item" in case)
    assert all(case["arithmetic"] for case in mine)


def test_null_scores_always_come_with_a_reason_in_the_fixtures() -> None:
    for code, case in SCORED:
        nulls = [key for key, value in case["expected"].items() if value is None]
        for key in nulls:
            # WOMAC's pain_raw and pain share one reason, "pain: ..."
            prefix = f"{key.removesuffix('_raw')}:"
            assert any(reason.startswith(prefix) for reason in case["reasons"]), (code, key)

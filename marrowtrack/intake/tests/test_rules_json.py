"""Rule sets round-trip through JSON, and invalid JSON names the bad rule and parameter."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marrowtrack.intake.rules import (
    DEFAULT_RULESET,
    Rule,
    RuleSet,
    RuleSetError,
    Severity,
    ruleset_from_json,
    ruleset_sha256,
    ruleset_to_dict,
    ruleset_to_json,
)


def _default_dict() -> dict[str, Any]:
    return ruleset_to_dict(DEFAULT_RULESET)


def _index(code: str) -> int:
    return [rule.code for rule in DEFAULT_RULESET.rules].index(code)


def _with_rule(code: str, **changes: Any) -> str:
    data = _default_dict()
    for rule in data["rules"]:
        if rule["code"] == code:
            rule.update(changes)
    return json.dumps(data)


def test_the_default_rule_set_round_trips_through_json_unchanged() -> None:
    text = ruleset_to_json(DEFAULT_RULESET)
    assert ruleset_from_json(text) == DEFAULT_RULESET
    assert ruleset_to_json(ruleset_from_json(text)) == text


@given(floor=st.integers(0, 1000), weeks=st.integers(0, 520))
def test_any_valid_thresholds_round_trip_with_the_same_hash(floor: int, weeks: int) -> None:
    data = _default_dict()
    for rule in data["rules"]:
        if rule["code"] == "platelets_below_floor":
            rule["params"]["floor_per_nl"] = floor
        if rule["code"] == "steroid_injection_same_target":
            rule["params"]["washout_weeks"] = weeks
    ruleset = ruleset_from_json(json.dumps(data))
    again = ruleset_from_json(ruleset_to_json(ruleset))
    assert again == ruleset
    assert ruleset_sha256(again) == ruleset_sha256(ruleset)


def test_a_clinic_may_leave_a_rule_out_of_its_rule_set() -> None:
    data = _default_dict()
    data["rules"] = [r for r in data["rules"] if r["code"] != "weight_stale"]
    codes = [r.code for r in ruleset_from_json(json.dumps(data)).rules]
    assert "weight_stale" not in codes


@pytest.mark.parametrize(
    ("params", "error"),
    [
        (
            {"floor_per_nl": "100"},
            "param 'floor_per_nl' must be a whole number from 0 to 1000, got '100'",
        ),
        (
            {"floor_per_nl": 100.5},
            "param 'floor_per_nl' must be a whole number from 0 to 1000, got 100.5",
        ),
        (
            {"floor_per_nl": True},
            "param 'floor_per_nl' must be a whole number from 0 to 1000, got True",
        ),
        ({"floor_per_nl": -1}, "got -1"),
        ({"floor_per_nl": 1001}, "got 1001"),
        ({}, "missing param 'floor_per_nl'"),
        ({"floor_per_nl": 100, "ceiling": 400}, "unknown param 'ceiling'"),
        ([100], "params must be an object"),
    ],
)
def test_an_invalid_param_error_names_the_rule_and_the_param(params: Any, error: str) -> None:
    with pytest.raises(RuleSetError) as raised:
        ruleset_from_json(_with_rule("platelets_below_floor", params=params))
    message = str(raised.value)
    index = _index("platelets_below_floor")
    assert message.startswith(f"rules[{index}]: rule 'platelets_below_floor': ")
    assert error in message


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"severity": "warning"}, "severity 'warning' is not one of hard_stop, flag"),
        ({"applies_to": ["bmac", "surgery"]}, "applies_to 'surgery' is not one of"),
        ({"applies_to": []}, "applies_to must name at least one treatment"),
        ({"applies_to": "bmac"}, "applies_to must be a list of treatments"),
        ({"message": "Weight {weight_kg} missing"}, "placeholder {weight_kg} is not one of"),
        ({"message": "{__class__}"}, "placeholder {__class__} is not one of"),
        ({"message": "{}"}, "placeholder {} is not one of"),
        ({"message": "Unclosed {brace"}, "message template is malformed"),
        ({"message": "  "}, "message must be a non-empty string"),
        ({"source": ""}, "source must be a non-empty string"),
    ],
)
def test_an_invalid_rule_field_error_names_the_rule(changes: dict[str, Any], error: str) -> None:
    with pytest.raises(RuleSetError, match="rule 'weight_missing': ") as raised:
        ruleset_from_json(_with_rule("weight_missing", **changes))
    assert error in str(raised.value)


def test_a_template_may_use_the_fields_every_rule_shares() -> None:
    text = _with_rule("weight_missing", message="No weight for {treatment} on {reference_date}.")
    rule = ruleset_from_json(text).rule("weight_missing")
    assert rule is not None and rule.message.startswith("No weight for")


def test_an_unknown_rule_code_is_rejected_by_index_and_code() -> None:
    data = _default_dict()
    data["rules"][0]["code"] = "moon_phase"
    with pytest.raises(RuleSetError, match=r"rules\[0\]: rule 'moon_phase': unknown rule code"):
        ruleset_from_json(json.dumps(data))


def test_a_rule_with_missing_or_extra_keys_is_rejected() -> None:
    data = _default_dict()
    del data["rules"][2]["source"]
    data["rules"][2]["enabled"] = True
    with pytest.raises(
        RuleSetError,
        match=r"rules\[2\] \('infection_target_site'\): "
        r"missing keys \['source'\], unknown keys \['enabled'\]",
    ):
        ruleset_from_json(json.dumps(data))


def test_duplicate_rule_codes_are_rejected() -> None:
    data = _default_dict()
    data["rules"].append(data["rules"][0])
    with pytest.raises(RuleSetError, match="duplicate rule code"):
        ruleset_from_json(json.dumps(data))


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "exactly 'version' and 'rules'"),
        ('{"version": "1", "rules": {}}', "'rules' must be a list"),
        ('{"version": "", "rules": []}', "'version' must be a non-empty string"),
        ('{"version": 2026, "rules": []}', "'version' must be a non-empty string"),
        ('{"version": "1", "rules": [7]}', r"rules\[0\]: must be an object"),
    ],
)
def test_a_malformed_rule_set_is_rejected_with_a_clear_message(text: str, error: str) -> None:
    with pytest.raises(RuleSetError, match=error):
        ruleset_from_json(text)


def test_rules_built_in_python_are_validated_too() -> None:
    with pytest.raises(RuleSetError, match="missing param 'max_age_days'"):
        Rule("weight_stale", Severity.FLAG, {}, "stale", "src")


def test_a_rule_set_and_its_rules_are_immutable() -> None:
    rule = DEFAULT_RULESET.rules[_index("platelets_below_floor")]
    with pytest.raises(TypeError):
        rule.params["floor_per_nl"] = 1  # type: ignore[index]
    assert isinstance(DEFAULT_RULESET.rules, tuple)
    assert RuleSet("v", []).rules == ()  # type: ignore[arg-type]


# --- versions and decimal parameters (2026.2) ----------------------------------------------

FIXTURES = Path(__file__).parent / "fixtures"


def test_the_shipped_2026_1_rule_set_is_still_readable_and_runs() -> None:
    text = (FIXTURES / "ruleset_2026_1.json").read_text()
    old = ruleset_from_json(text)
    assert old.version == "2026.1"
    assert len(old.rules) == 21
    # Its systemic steroid rule keeps stopping every steroid: the maintenance exception
    # did not exist then, and its defaults switch it off.
    steroid = old.rule("systemic_corticosteroid")
    assert steroid is not None and steroid.params["maintenance_max_mg"] == Decimal("0.0")
    from marrowtrack.intake.tests.builders import screen

    assert screen(ruleset=old).ruleset_version == "2026.1"


def test_the_default_is_version_2026_3_with_a_new_fingerprint() -> None:
    old = ruleset_from_json((FIXTURES / "ruleset_2026_1.json").read_text())
    assert DEFAULT_RULESET.version == "2026.3"
    assert ruleset_sha256(DEFAULT_RULESET) != ruleset_sha256(old)


def test_every_source_shown_to_users_is_public_or_in_the_repository() -> None:
    # A reader must be able to follow each source: a publication, a label, or our own notes
    # in docs/, never a document that lives outside the repository.
    outside = ("domain.md", "MISSION.md", "spec", "Issue ")
    for rule in DEFAULT_RULESET.rules:
        assert not any(word in rule.source for word in outside), (rule.code, rule.source)


def test_decimal_thresholds_are_written_as_strings_and_read_back_exactly() -> None:
    data = _default_dict()
    inr = next(r for r in data["rules"] if r["code"] == "inr_on_warfarin")
    assert inr["params"]["max_high"] == "1.5"
    parsed = ruleset_from_json(json.dumps(data)).rule("inr_on_warfarin")
    assert parsed is not None and parsed.params["max_high"] == Decimal("1.5")


@pytest.mark.parametrize(
    ("value", "ok"),
    [("1.6", True), (2, True), ("1.55", False), ("abc", False), (True, False), ("11.0", False)],
)
def test_a_decimal_threshold_must_be_in_range_with_one_decimal_place(value: Any, ok: bool):
    data = _default_dict()
    for name in ("inr_on_warfarin", "inr_pending_on_warfarin"):
        next(r for r in data["rules"] if r["code"] == name)["params"]["max_high"] = value
    if ok:
        ruleset_from_json(json.dumps(data))
    else:
        with pytest.raises(RuleSetError, match="param 'max_high' must be a number from 1.0"):
            ruleset_from_json(json.dumps(data))


def test_the_two_steroid_rules_must_agree_on_what_a_maintenance_dose_is() -> None:
    data = _default_dict()
    rule = next(r for r in data["rules"] if r["code"] == "ra_maintenance_steroid")
    rule["params"]["maintenance_max_mg"] = "10.0"
    with pytest.raises(RuleSetError, match="'maintenance_max_mg' must be the same"):
        ruleset_from_json(json.dumps(data))


def test_leaving_out_the_maintenance_flag_needs_the_exception_switched_off() -> None:
    data = _default_dict()
    data["rules"] = [r for r in data["rules"] if r["code"] != "ra_maintenance_steroid"]
    with pytest.raises(RuleSetError, match="include ra_maintenance_steroid"):
        ruleset_from_json(json.dumps(data))
    steroid = next(r for r in data["rules"] if r["code"] == "systemic_corticosteroid")
    steroid["params"]["maintenance_max_mg"] = "0"
    assert ruleset_from_json(json.dumps(data)).rule("ra_maintenance_steroid") is None

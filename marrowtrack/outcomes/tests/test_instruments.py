"""Instrument definitions held as data: items, label-to-value traps, licences, directions."""

from __future__ import annotations

import pytest

from marrowtrack.outcomes.instruments import INSTRUMENTS
from marrowtrack.outcomes.scoring import instrument_list

EXPECTED_ITEMS = {
    "NPRS": ["NPRS"],
    "KOOS": [f"P{i}" for i in range(1, 10)]
    + [f"S{i}" for i in range(1, 8)]
    + [f"A{i}" for i in range(1, 18)]
    + [f"SP{i}" for i in range(1, 6)]
    + [f"Q{i}" for i in range(1, 5)],
    "KOOS_JR": ["S6", "P2", "P3", "P6", "P9", "A3", "A5"],
    "HOOS": [f"S{i}" for i in range(1, 6)]
    + [f"P{i}" for i in range(1, 11)]
    + [f"A{i}" for i in range(1, 18)]
    + [f"SP{i}" for i in range(1, 5)]
    + [f"Q{i}" for i in range(1, 5)],
    "HOOS_JR": ["P5", "P10", "A3", "A5", "A12", "A14"],
    "WOMAC": [f"P{i}" for i in range(1, 6)] + ["S1", "S2"] + [f"F{i}" for i in range(1, 18)],
    "ODI": [f"ODI{i}" for i in range(1, 11)],
    "QUICKDASH": [f"QD{i}" for i in range(1, 12)]
    + [f"W{i}" for i in range(1, 5)]
    + [f"SPA{i}" for i in range(1, 5)],
    "SPADI": [f"P{i}" for i in range(1, 6)] + [f"D{i}" for i in range(1, 9)],
    "ASES": ["PAIN_VAS"] + [f"ADL{i}" for i in range(1, 11)],
    "LEFS": [f"L{i}" for i in range(1, 21)],
    "PROMIS_PI_4A": ["PAININ9", "PAININ22", "PAININ31", "PAININ34"],
    "EQ5D5L": ["MO", "SC", "UA", "PD", "AD", "VAS"],
    "PGA": ["PGA"],
    "PGIC": ["PGIC"],
}

EXPECTED_KEYS = {
    "NPRS": {"total": False},
    "KOOS": dict.fromkeys(["pain", "symptoms", "adl", "sport_rec", "qol"], True),
    "KOOS_JR": {"total": True},
    "HOOS": dict.fromkeys(["pain", "symptoms", "adl", "sport_rec", "qol"], True),
    "HOOS_JR": {"total": True, "raw_sum": False},
    "WOMAC": dict.fromkeys(
        ["pain_raw", "stiffness_raw", "function_raw", "total_raw"]
        + ["pain", "stiffness", "function", "total"],
        False,
    ),
    "ODI": {"total": False},
    "QUICKDASH": {"total": False, "work": False, "sports": False},
    "SPADI": {"pain": False, "disability": False, "total": False},
    "ASES": {"total": True},
    "LEFS": {"total": True},
    "PROMIS_PI_4A": {"t_score": False},
    "EQ5D5L": {"index_us": True, "index_england": True, "vas": True},
    "PGA": {"total": False},
    "PGIC": {"total": False},
}


def test_the_registry_holds_the_instruments_of_the_spec_and_its_added_ones() -> None:
    assert [d.code for d in instrument_list()] == list(EXPECTED_ITEMS)


@pytest.mark.parametrize("code", list(EXPECTED_ITEMS))
def test_item_codes_match_the_spec(code: str) -> None:
    assert list(INSTRUMENTS[code].definition.item_codes) == EXPECTED_ITEMS[code]


@pytest.mark.parametrize("code", list(EXPECTED_KEYS))
def test_score_keys_and_directions_match_the_spec(code: str) -> None:
    keys = INSTRUMENTS[code].definition.score_keys
    assert {key.key: key.higher_is_better for key in keys} == EXPECTED_KEYS[code]


@pytest.mark.parametrize("code", list(EXPECTED_ITEMS))
def test_every_definition_carries_version_licence_and_rule_version(code: str) -> None:
    definition = INSTRUMENTS[code].definition
    assert definition.version and definition.licence and definition.source
    assert definition.rule_version.startswith(code)
    assert definition.missing_rule
    assert definition.texts_are_paraphrases and "unvalidated wording" in definition.text_note
    assert definition.plain_name and all(key.words for key in definition.score_keys)


@pytest.mark.parametrize("code", ["WOMAC", "ODI", "QUICKDASH", "EQ5D5L", "PROMIS_PI_4A"])
def test_licensed_instruments_say_their_texts_are_not_the_licensed_wording(code: str) -> None:
    licence = INSTRUMENTS[code].definition.licence.lower()
    assert "paraphrase" in licence or "own short labels" in licence


def test_every_odi_section_has_its_own_six_statements() -> None:
    sections = INSTRUMENTS["ODI"].definition.items
    assert all([v for v, _ in item.labels] == [0, 1, 2, 3, 4, 5] for item in sections)
    label_sets = {tuple(label for _, label in item.labels) for item in sections}
    # Sections that share a wording pattern (sex life / social life) still differ somewhere.
    assert len(label_sets) == 10


def test_every_eq5d_dimension_has_its_own_five_levels_and_the_vas_is_vertical() -> None:
    items = {item.code: item for item in INSTRUMENTS["EQ5D5L"].definition.items}
    levels = {code: [label for _, label in items[code].labels] for code in ("MO", "PD", "AD")}
    assert levels["MO"][0] == "No problems walking" and levels["MO"][4] == "Unable to walk about"
    assert levels["PD"][4] == "Extreme pain or discomfort"
    assert levels["AD"][0] == "Not anxious or depressed"
    assert len({tuple(v) for v in levels.values()}) == 3
    assert (items["VAS"].widget, items["VAS"].decimals) == ("vertical_scale", 0)


def test_the_pga_is_a_whole_number_0_to_100_in_our_own_words() -> None:
    item = INSTRUMENTS["PGA"].definition.item("PGA")
    assert item is not None
    assert (item.minimum, item.maximum, item.decimals, item.widget) == (0, 100, 0, "scale")
    assert item.text.startswith("Considering all the ways your joint problem affects you")
    assert dict(item.labels) == {0: "Very well", 100: "Very poorly"}


def test_koos_and_hoos_derive_their_short_forms_and_womac_from_the_items_that_contain_it() -> None:
    koos = dict((d.target, dict(d.item_map)) for d in INSTRUMENTS["KOOS"].derives)
    hoos = dict((d.target, dict(d.item_map)) for d in INSTRUMENTS["HOOS"].derives)
    assert [koos["WOMAC"][f"P{i}"] for i in range(1, 6)] == ["P5", "P6", "P7", "P8", "P9"]
    assert (koos["WOMAC"]["S1"], koos["WOMAC"]["S2"]) == ("S6", "S7")
    assert [hoos["WOMAC"][f"P{i}"] for i in range(1, 6)] == ["P4", "P5", "P6", "P7", "P8"]
    assert (hoos["WOMAC"]["S1"], hoos["WOMAC"]["S2"]) == ("S4", "S5")
    assert all(koos["WOMAC"][f"F{i}"] == hoos["WOMAC"][f"F{i}"] == f"A{i}" for i in range(1, 18))
    assert sorted(hoos["HOOS_JR"]) == sorted(["P5", "P10", "A3", "A5", "A12", "A14"])


def test_hoos_womac_items_have_the_womac_wording_topics() -> None:
    hoos = INSTRUMENTS["HOOS"].definition
    texts = [hoos.item(code).text for code in ("P4", "P5", "P6", "P7", "P8")]  # type: ignore[union-attr]
    assert texts == [
        "Pain walking on a flat surface",
        "Pain on stairs, up or down",
        "Pain at night in bed",
        "Pain sitting or lying",
        "Pain standing upright",
    ]


def test_koos_is_marked_free_to_use() -> None:
    assert "free to use" in INSTRUMENTS["KOOS"].definition.licence.lower()


@pytest.mark.parametrize("code", list(EXPECTED_ITEMS))
def test_every_label_maps_to_a_value_inside_the_item_range(code: str) -> None:
    for item in INSTRUMENTS[code].definition.items:
        assert item.labels, item.code
        assert all(item.minimum <= value <= item.maximum for value, _ in item.labels)
        assert item.text


def test_koos_s4_and_s5_are_reversed_so_always_is_zero_and_never_is_four() -> None:
    koos = INSTRUMENTS["KOOS"].definition
    for code in ("S4", "S5"):
        item = koos.item(code)
        assert item is not None
        assert item.value_for("Always") == 0
        assert item.value_for("Never") == 4


def test_koos_s1_to_s3_frequencies_run_never_zero_to_always_four() -> None:
    koos = INSTRUMENTS["KOOS"].definition
    for code in ("S1", "S2", "S3"):
        item = koos.item(code)
        assert item is not None
        assert (item.value_for("Never"), item.value_for("Always")) == (0, 4)


def test_koos_p1_is_a_frequency_from_never_zero_to_always_four() -> None:
    item = INSTRUMENTS["KOOS"].definition.item("P1")
    assert item is not None
    assert [label for _, label in item.labels] == ["Never", "Monthly", "Weekly", "Daily", "Always"]
    assert item.value_for("Always") == 4


def test_koos_q1_is_a_frequency_from_never_zero_to_constantly_four() -> None:
    item = INSTRUMENTS["KOOS"].definition.item("Q1")
    assert item is not None
    assert (item.value_for("Never"), item.value_for("Constantly")) == (0, 4)


def test_koos_p2_uses_severity_labels_not_frequencies() -> None:
    item = INSTRUMENTS["KOOS"].definition.item("P2")
    assert item is not None
    assert (item.value_for("None"), item.value_for("Extreme")) == (0, 4)


def test_a_survey_storing_values_from_labels_scores_s4_never_as_the_worst_answer() -> None:
    from marrowtrack.outcomes.scoring import score

    item = INSTRUMENTS["KOOS"].definition.item("S4")
    assert item is not None
    best = {c: 0 for c in ("S1", "S2", "S3", "S5")} | {"S4": item.value_for("Always")}
    worst_s4 = best | {"S4": item.value_for("Never")}
    assert score("KOOS", best).scores["symptoms"] == 100
    assert score("KOOS", worst_s4).scores["symptoms"] == 80


def test_pgic_runs_from_very_much_improved_one_to_very_much_worse_seven() -> None:
    item = INSTRUMENTS["PGIC"].definition.item("PGIC")
    assert item is not None
    assert item.value_for("Very much improved") == 1
    assert item.value_for("No change") == 4
    assert item.value_for("Very much worse") == 7


def test_ases_adl_labels_run_from_unable_zero_to_not_difficult_three() -> None:
    item = INSTRUMENTS["ASES"].definition.item("ADL1")
    assert item is not None
    assert (item.value_for("Unable to do"), item.value_for("Not difficult")) == (0, 3)


def test_lefs_labels_run_from_extreme_difficulty_zero_to_no_difficulty_four() -> None:
    item = INSTRUMENTS["LEFS"].definition.item("L1")
    assert item is not None
    assert item.value_for("No difficulty") == 4
    assert item.value_for("Extreme difficulty or unable") == 0


def test_quickdash_and_promis_answers_start_at_one() -> None:
    assert INSTRUMENTS["QUICKDASH"].definition.item("QD1").label_for(1) == "No difficulty"  # type: ignore[union-attr]
    assert INSTRUMENTS["PROMIS_PI_4A"].definition.item("PAININ9").label_for(1) == "Not at all"  # type: ignore[union-attr]


def test_only_the_ases_pain_line_allows_decimals_the_eq_vas_is_an_integer() -> None:
    decimal_items = {
        (d.code, item.code) for d in instrument_list() for item in d.items if item.decimals
    }
    assert decimal_items == {("ASES", "PAIN_VAS")}


def test_koos_jr_reuses_the_koos_item_texts_and_labels() -> None:
    koos = INSTRUMENTS["KOOS"].definition
    for item in INSTRUMENTS["KOOS_JR"].definition.items:
        original = koos.item(item.code)
        assert original is not None
        assert (item.text, item.labels) == (original.text, original.labels)


def test_recall_periods_are_recorded_where_the_instrument_has_one() -> None:
    recall = {d.code: d.recall_period for d in instrument_list()}
    assert recall["KOOS"] == "The last week"
    assert recall["WOMAC"] == "The last 48 hours"
    assert recall["PROMIS_PI_4A"] == "The past 7 days"
    assert recall["EQ5D5L"] == "Today"

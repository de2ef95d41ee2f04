from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marrowtrack.procedures.dosing import (
    AGENTS,
    AnaestheticEntry,
    DoseLimitExceeded,
    InvalidDoseEntry,
    LidocaineEntry,
    WeightRequired,
    allergy_class,
    check_entry,
    day_fraction,
    limit_formula,
    max_dose_mg,
    mg_from_ml,
    ml_from_mg,
    remaining_mg,
)


def plain(percent: str, ml: str, site: str = "L PIC") -> LidocaineEntry:
    return LidocaineEntry(Decimal(percent), Decimal(ml), with_epinephrine=False, site=site)


def epi(percent: str, ml: str, site: str = "L PIC") -> LidocaineEntry:
    return LidocaineEntry(Decimal(percent), Decimal(ml), with_epinephrine=True, site=site)


def test_one_percent_is_ten_mg_per_ml() -> None:
    assert mg_from_ml(1, 1) == 10
    assert mg_from_ml("2", "5") == 100
    assert mg_from_ml("0.5", 20) == 100
    assert ml_from_mg(1, 270) == 27


@pytest.mark.parametrize(
    ("weight", "with_epinephrine", "expected"),
    [
        (60, False, Decimal(270)),  # 4.5 mg/kg branch
        (80, False, Decimal(300)),  # 300 mg cap branch
        (50, True, Decimal(350)),  # 7 mg/kg branch
        (80, True, Decimal(500)),  # 500 mg cap branch
        (Decimal("66.6"), False, Decimal("299.7")),
    ],
)
def test_max_dose_is_the_lower_of_mg_per_kg_and_the_cap(
    weight: int, with_epinephrine: bool, expected: Decimal
) -> None:
    assert max_dose_mg(weight, with_epinephrine) == expected


@pytest.mark.parametrize(
    ("weight", "entry", "limit"),
    [
        (60, plain("1", "27"), Decimal(270)),  # plain, mg/kg branch
        (80, plain("1", "30"), Decimal(300)),  # plain, cap branch
        (50, epi("1", "35"), Decimal(350)),  # epinephrine, mg/kg branch
        (80, epi("2", "25"), Decimal(500)),  # epinephrine, cap branch
    ],
)
def test_a_dose_exactly_at_the_limit_is_allowed(
    weight: int, entry: LidocaineEntry, limit: Decimal
) -> None:
    result = check_entry(weight, [], entry)
    assert result.total_mg == limit
    assert result.limit_mg == limit
    assert result.remaining_mg == 0
    assert result.remaining_ml == 0


@pytest.mark.parametrize(
    ("weight", "entry", "limit"),
    [
        (60, plain("1", "27.001"), "270 mg limit"),
        (80, plain("1", "30.001"), "300 mg limit"),
        (50, epi("1", "35.001"), "350 mg limit"),
        (80, epi("2", "25.0005"), "500 mg limit"),
    ],
)
def test_a_dose_0_01_mg_over_the_limit_is_refused(
    weight: int, entry: LidocaineEntry, limit: str
) -> None:
    assert entry.mg - Decimal(limit.split()[0]) == Decimal("0.01")
    with pytest.raises(DoseLimitExceeded, match=limit):
        check_entry(weight, [], entry)


def test_the_day_total_counts_every_site() -> None:
    given = [plain("1", "10", "L PIC"), plain("1", "10", "R PIC")]
    result = check_entry(60, given, plain("1", "7", "knee"))
    assert result.total_mg == 270
    with pytest.raises(DoseLimitExceeded):
        check_entry(60, given, plain("1", "7.001", "knee"))


def test_remaining_allowance_is_given_in_mg_and_in_ml_at_the_entry_concentration() -> None:
    result = check_entry(60, [plain("1", "10")], plain("2", "2"))
    assert result.total_mg == 140
    assert result.remaining_mg == 130
    assert result.remaining_ml == Decimal("6.5")  # 130 mg of 2 % (20 mg/mL)
    assert result.formula == "plain: min(4.5 mg/kg × 60 kg = 270 mg, 300 mg) = 270 mg"


def test_the_refusal_message_gives_the_numbers_and_the_formula() -> None:
    with pytest.raises(DoseLimitExceeded) as excinfo:
        check_entry(60, [plain("1", "20", "L PIC")], plain("1", "8", "R PIC"))
    message = str(excinfo.value)
    assert "200 mg given so far today" in message
    assert "+ 80 mg in this entry (8 mL of 1 % plain at R PIC)" in message
    assert "= 280 mg, above the 270 mg limit" in message
    assert "min(4.5 mg/kg × 60 kg = 270 mg, 300 mg)" in message
    assert "At most 70 mg (7 mL of 1 %) may still be given" in message
    assert excinfo.value.total_mg == 280
    assert excinfo.value.limit_mg == 270


def test_epinephrine_only_days_use_the_epinephrine_limit() -> None:
    result = check_entry(100, [epi("1", "30")], epi("1", "20"))
    assert result.limit_mg == 500
    assert result.remaining_mg == 0


def test_any_plain_entry_puts_the_whole_day_under_the_plain_limit() -> None:
    # 100 kg: plain limit 300 mg, epinephrine limit 500 mg.
    result = check_entry(100, [epi("1", "20")], plain("1", "10"))
    assert result.limit_mg == 300
    assert result.remaining_mg == 0
    with pytest.raises(DoseLimitExceeded, match="plain limit applies") as excinfo:
        check_entry(100, [epi("1", "25")], plain("1", "10"))
    assert excinfo.value.limit_mg == 300


def test_an_earlier_plain_entry_also_caps_later_epinephrine_entries() -> None:
    with pytest.raises(DoseLimitExceeded, match="300 mg limit"):
        check_entry(100, [plain("1", "5")], epi("1", "25.001"))


def test_a_missing_weight_is_required_before_any_check() -> None:
    with pytest.raises(WeightRequired, match="weight"):
        check_entry(None, [], plain("1", "1"))
    with pytest.raises(WeightRequired):
        max_dose_mg(0, with_epinephrine=True)


@pytest.mark.parametrize(("percent", "ml"), [("0", "5"), ("11", "5"), ("1", "0"), ("1", "-2")])
def test_impossible_concentrations_and_volumes_are_refused(percent: str, ml: str) -> None:
    with pytest.raises(InvalidDoseEntry):
        mg_from_ml(percent, ml)


def test_limit_formula_describes_the_epinephrine_cap_branch() -> None:
    assert limit_formula(80, True) == (
        "with epinephrine: min(7 mg/kg × 80 kg = 560 mg, 500 mg) = 500 mg"
    )


# Other amides (issue 8 item 3): label maxima, real strengths, additive toxicity.


def entry(agent: str, percent: str, ml: str, epi: bool = False) -> AnaestheticEntry:
    return AnaestheticEntry(Decimal(percent), Decimal(ml), epi, "site", agent)


@pytest.mark.parametrize(
    ("agent", "weight", "epi", "expected"),
    [
        ("bupivacaine", 60, False, 120),  # 2 mg/kg
        ("bupivacaine", 100, False, 175),  # label cap
        ("bupivacaine", 60, True, 180),  # 3 mg/kg
        ("bupivacaine", 100, True, 225),  # label cap with epinephrine
        ("ropivacaine", 60, False, 180),  # 3 mg/kg
        ("ropivacaine", 80, False, 200),  # label cap (infiltration)
        ("mepivacaine", 70, False, 350),  # 5 mg/kg
        ("mepivacaine", 90, False, 400),  # label cap
    ],
)
def test_each_agent_s_maximum_follows_its_label(agent, weight, epi, expected) -> None:
    assert max_dose_mg(weight, epi, agent) == expected


def test_every_agent_has_its_strengths_and_a_source() -> None:
    assert {code: [str(s) for s in a.strengths] for code, a in AGENTS.items()} == {
        "lidocaine": ["0.5", "1", "1.5", "2"],
        "bupivacaine": ["0.25", "0.5"],
        "ropivacaine": ["0.2", "0.5", "0.75"],
        "mepivacaine": ["1", "1.5", "2"],
    }
    assert all(agent.source and agent.amide for agent in AGENTS.values())


@pytest.mark.parametrize(
    ("agent", "percent", "epi", "message"),
    [
        ("lidocaine", "0.1", False, "Lidocaine comes as 0.5 % / 1 % / 1.5 % / 2 %; 0.1 %"),
        ("bupivacaine", "1", False, "Bupivacaine comes as 0.25 % / 0.5 %; 1 % is not"),
        ("ropivacaine", "0.5", True, "Ropivacaine is not offered with epinephrine"),
        ("mepivacaine", "2", True, "Mepivacaine is not offered with epinephrine"),
        ("procaine", "1", False, "Unknown local anaesthetic 'procaine'"),
    ],
)
def test_only_real_strengths_are_accepted(agent, percent, epi, message) -> None:
    with pytest.raises(InvalidDoseEntry, match=message.replace("(", r"\(")):
        check_entry(70, [], entry(agent, percent, "1", epi))


def test_two_agents_may_fill_the_combined_maximum_and_not_a_hair_more() -> None:
    """100 kg plain: lidocaine 300 mg, bupivacaine 175 mg. 100 mg lidocaine uses a third,
    so 2/3 × 175 = 116.666… mg of bupivacaine remain (shown rounded down: 116.66)."""
    given = [entry("lidocaine", "1", "10")]
    assert remaining_mg(100, given, agent="bupivacaine") == Decimal("116.66")
    result = check_entry(100, given, entry("bupivacaine", "0.25", "46.664"))  # 116.66 mg
    assert result.remaining_mg == 0 and result.limit_mg == Decimal("116.66")
    assert result.fraction_used == Decimal("0.999")  # rounded down for display
    with pytest.raises(DoseLimitExceeded, match="Combined local anaesthetic limit") as excinfo:
        check_entry(100, given, entry("bupivacaine", "0.25", "46.668"))  # 116.67 mg
    assert "would reach 100.1 % of the combined maximum" in str(excinfo.value)
    assert "lidocaine 100 mg of 300 mg (toxicity is additive)" in str(excinfo.value)


def test_exactly_the_combined_maximum_is_allowed() -> None:
    # 60 kg plain: lidocaine 270 mg, ropivacaine 180 mg: 135 + 90 mg is exactly half each.
    result = check_entry(60, [entry("lidocaine", "1", "13.5")], entry("ropivacaine", "0.5", "18"))
    assert (result.fraction_used, result.remaining_mg) == (1, 0)
    assert day_fraction(60, [entry("lidocaine", "1", "13.5")]) == Decimal("0.5")


def test_a_plain_entry_of_any_agent_puts_every_agent_under_its_plain_maximum() -> None:
    # 100 kg: lidocaine with epinephrine 400 mg is 0.8 of 500 but 1.33 of the plain 300.
    with pytest.raises(DoseLimitExceeded, match="plain limit applies"):
        check_entry(
            100, [entry("lidocaine", "1", "40", epi=True)], entry("ropivacaine", "0.2", "1")
        )
    assert (
        remaining_mg(100, [entry("lidocaine", "1", "40", epi=True)], with_epinephrine=True) == 100
    )


@pytest.mark.parametrize(
    ("category", "substance", "expected"),
    [
        (True, "Lidocaine", "amide"),
        (True, "XYLOCAINE 1%", "amide"),
        (False, "bupivacaine liposomal (Exparel)", "amide"),
        (True, "EMLA cream", "amide"),
        (True, "Procaine (Novocain)", "ester"),
        (True, "chloroprocaine", "ester"),
        (True, "benzocaine spray", "ester"),
        (True, "lidocaine and tetracaine", "amide"),  # either class: the amide blocks
        (True, "local anaesthetic at the dentist", "unknown"),
        (False, "Penicillin", None),
    ],
)
def test_allergies_are_told_apart_by_class(category, substance, expected) -> None:
    assert allergy_class(local_anaesthetic_category=category, substance=substance) == expected


_preparations = st.sampled_from(
    [(code, pct) for code, agent in AGENTS.items() for pct in agent.strengths]
)


@st.composite
def _entry(draw: st.DrawFn) -> AnaestheticEntry:
    code, pct = draw(_preparations)
    epi = draw(st.booleans()) and AGENTS[code].epinephrine is not None
    ml = draw(st.decimals(min_value="0.5", max_value="40", places=1))
    return AnaestheticEntry(pct, ml, epi, "site", code)


@given(
    weight=st.decimals(min_value="35", max_value="250", places=1),
    day=st.lists(_entry(), min_size=1, max_size=8),
)
def test_accepted_entries_never_pass_the_combined_maximum(weight: Decimal, day: list) -> None:
    accepted: list[AnaestheticEntry] = []
    for new in day:
        try:
            check_entry(weight, accepted, new)
        except DoseLimitExceeded:
            continue
        accepted.append(new)
    use_epi = all(e.with_epinephrine for e in accepted)
    share = sum(
        (Fraction(e.mg) / Fraction(max_dose_mg(weight, use_epi, e.agent)) for e in accepted),
        Fraction(0),
    )
    assert share <= 1


@pytest.mark.parametrize(
    ("category", "substance", "expected"),
    [
        (False, "Sulfonamides", None),
        (False, "Sulfonamide antibiotics (co-trimoxazole)", None),
        (True, "amide local anaesthetics", "amide"),
        (True, "Ester-type (PABA)", "ester"),
        (False, "Esterified estrogens", None),
    ],
)
def test_class_words_count_only_as_words_and_only_for_local_anaesthetics(
    category, substance, expected
) -> None:
    assert allergy_class(local_anaesthetic_category=category, substance=substance) == expected

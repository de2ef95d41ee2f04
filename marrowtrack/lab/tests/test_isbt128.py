import pytest
from hypothesis import given
from hypothesis import strategies as st

from marrowtrack.lab.isbt128 import (
    CHECK_ALPHABET,
    InvalidDIN,
    barcode_data,
    check_character,
    din_format,
    eye_readable,
    parse_scan,
    validate_keyed,
)


def spec_check_character(din13: str) -> str:
    """The spec's algorithm written out independently (domain.md §3)."""
    p = 0
    for char in din13:
        p = ((p + CHECK_ALPHABET.index(char)) * 2) % 37
    return CHECK_ALPHABET[(38 - p) % 37]


def checksum_with_check_value(text: str) -> int:
    """Weighted sum including the check character; valid when ≡ 1 (mod 37)."""
    p = 0
    for char in text:
        p = (p * 2 + CHECK_ALPHABET.index(char)) % 37
    return p


din13s = st.builds(
    lambda fin, digits: fin + digits,
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=5, max_size=5),
    st.text(alphabet="0123456789", min_size=8, max_size=8),
)


@pytest.mark.parametrize(
    ("din", "expected"),
    [("A999914123458", "J"), ("ABCDE27000069", "C")],
)
def test_check_character_matches_the_spec_worked_examples(din: str, expected: str) -> None:
    assert check_character(din) == expected


@pytest.mark.parametrize(
    ("din", "expected"),
    [
        ("W000026000001", "F"),  # worked by hand: p ends at 23, (38 - 23) mod 37 = 15
        ("W000026999999", "U"),
        ("Z123425000042", "E"),
        ("0000026000001", "E"),
        ("B123426000123", "M"),
        ("X999999999999", "I"),
        ("0000000000000", "1"),
        ("W000026000009", "*"),
    ],
)
def test_check_character_matches_extra_computed_values(din: str, expected: str) -> None:
    assert check_character(din) == expected
    assert spec_check_character(din) == expected


def test_the_spec_worked_example_runs_through_the_documented_partial_sums() -> None:
    p, trace = 0, []
    for char in "A999914123458":
        p = ((p + CHECK_ALPHABET.index(char)) * 2) % 37
        trace.append(p)
    assert trace == [20, 21, 23, 27, 35, 35, 4, 10, 24, 17, 5, 20, 19]


@given(din13s)
def test_stdnum_check_character_agrees_with_the_spec_algorithm_for_any_din(din: str) -> None:
    check = check_character(din)
    assert check == spec_check_character(din)
    assert checksum_with_check_value(din + check) == 1


def test_din_format_builds_thirteen_characters_from_its_parts() -> None:
    assert din_format("A9999", 14, 123458) == "A999914123458"
    assert din_format("w0000", 2026, 1) == "W000026000001"


@pytest.mark.parametrize(
    ("facility", "year", "sequence", "fragment"),
    [
        ("A999", 26, 1, "Facility code"),
        ("A99-9", 26, 1, "Facility code"),
        ("A9999", 100, 1, "Year"),
        ("A9999", -1, 1, "Year"),
        ("A9999", 26, 0, "between 1 and 999999"),
        ("A9999", 26, 1_000_000, "between 1 and 999999"),
    ],
)
def test_din_format_rejects_each_invalid_part(
    facility: str, year: int, sequence: int, fragment: str
) -> None:
    with pytest.raises(InvalidDIN, match=fragment):
        din_format(facility, year, sequence)


def test_barcode_data_adds_the_data_identifier_and_unused_flags() -> None:
    assert barcode_data("A999914123458") == "=A99991412345800"


def test_barcode_data_never_contains_the_check_character() -> None:
    assert "J" not in barcode_data("A999914123458")


def test_eye_readable_groups_facility_year_and_sequence() -> None:
    assert eye_readable("A999914123458") == "A9999 14 123458"


@pytest.mark.parametrize(
    "typed", ["A999914123458J", "A9999 14 123458 J", "a9999-14-123458-j", " A999914123458J "]
)
def test_validate_keyed_accepts_a_din_with_its_check_character(typed: str) -> None:
    assert validate_keyed(typed) == "A999914123458"


def test_validate_keyed_names_the_expected_check_character_when_it_is_wrong() -> None:
    with pytest.raises(InvalidDIN, match="typed 'K', expected 'J'"):
        validate_keyed("A999914123458K")


def test_validate_keyed_catches_a_single_mistyped_digit() -> None:
    with pytest.raises(InvalidDIN, match="Wrong check character"):
        validate_keyed("A999914123459J")


def test_validate_keyed_catches_two_transposed_digits() -> None:
    with pytest.raises(InvalidDIN, match="Wrong check character"):
        validate_keyed("A999914124358J")


@pytest.mark.parametrize(
    ("typed", "fragment"),
    [
        ("A999914123458", "14 characters"),
        ("A999914123458JJ", "14 characters"),
        ("A9999A4123458J", "character 6 is 'A'; it must be a digit"),
        ("A99#914123458J", "character 4 is '#'"),
        ("A999914123458!", "check character '!'"),
    ],
)
def test_validate_keyed_says_what_is_wrong(typed: str, fragment: str) -> None:
    with pytest.raises(InvalidDIN, match=fragment):
        validate_keyed(typed)


@pytest.mark.parametrize(
    "scanned",
    [
        "=A99991412345800",
        "]C0=A99991412345800\r\n",
        "A999914123458",
        "A999914123458J",
        "A9999 14 123458 J",
    ],
)
def test_parse_scan_returns_the_din_from_every_accepted_form(scanned: str) -> None:
    assert parse_scan(scanned) == "A999914123458"


@pytest.mark.parametrize(
    ("scanned", "fragment"),
    [
        ("=A999914123458", "16 characters"),
        ("=A9999141234580", "16 characters"),
        ("A999914123458K", "expected 'J'"),
        ("A99991412345", "got 12"),
        ("A99991412345X", "character 13"),
    ],
)
def test_parse_scan_rejects_malformed_input(scanned: str, fragment: str) -> None:
    with pytest.raises(InvalidDIN, match=fragment):
        parse_scan(scanned)


@given(din13s)
def test_barcode_data_round_trips_through_parse_scan(din: str) -> None:
    assert parse_scan(barcode_data(din)) == din
    assert parse_scan(din + check_character(din)) == din


def test_check_character_rejects_a_din_that_is_not_thirteen_characters() -> None:
    with pytest.raises(InvalidDIN, match="13-character DIN"):
        check_character("A99991412345")

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marrowtrack.lab.isbt128 import (
    CHECK_ALPHABET,
    LOCAL_PRODUCTS,
    EntryMethod,
    InvalidDIN,
    barcode_data,
    check_character,
    compound_message,
    din_format,
    division_code,
    expiry_data,
    expiry_from_data,
    eye_readable,
    facility_code_problem,
    product_code,
    read_label,
    read_label_scans,
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
        ("A999914123458", "needs its boxed check character"),
        ("A9999 14 123458", "needs its boxed check character"),
        ("A999914123458JJ", "14 characters"),
        ("A9999A4123458J", "character 6 is 'A'; it must be a digit"),
        ("A99#914123458J", "character 4 is '#'"),
        ("A999914123458!", "check character '!'"),
    ],
)
def test_validate_keyed_says_what_is_wrong(typed: str, fragment: str) -> None:
    with pytest.raises(InvalidDIN, match=fragment):
        validate_keyed(typed)


# ST-001 2.4.1: the FIN's first character is A-N, P-Z or 1-9; the next two may be letters.
st001_dins = st.builds(
    lambda a, pp, digits: a + pp + digits,
    st.sampled_from("ABCDEFGHIJKLMNPQRSTUVWXYZ123456789"),
    st.text(alphabet="ABCDEFGHIJKLMNPQRSTUVWXYZ0123456789", min_size=2, max_size=2),
    st.text(alphabet="0123456789", min_size=10, max_size=10),
)


@pytest.mark.parametrize(
    ("entered", "symbology"),
    [("=A99991412345800", ""), ("]C0=A99991412345800\r\n", "]C0"), ("]d1=A99991412345800", "]d1")],
)
def test_a_din_barcode_reads_as_scanned(entered: str, symbology: str) -> None:
    read = read_label(entered)
    assert (read.din, read.method, read.symbology) == ("A999914123458", "scanned", symbology)
    assert read.product_code is None


@pytest.mark.parametrize("typed", ["A999914123458J", "A9999 14 123458 J", "a9999-14-123458-j"])
def test_a_typed_din_with_its_check_character_reads_as_keyed_not_scanned(typed: str) -> None:
    read = read_label(typed)
    assert (read.din, read.method) == ("A999914123458", EntryMethod.KEYED)


def test_a_typed_13_character_din_is_refused() -> None:
    with pytest.raises(InvalidDIN, match="needs its boxed check character"):
        read_label("A999914123458")


def test_the_2d_code_brings_din_product_code_and_expiry_in_one_scan() -> None:
    read = read_label("]d1=+03000=W12342600001200=<DBMC11A0&>0260601312")
    assert (read.din, read.product_code, read.expiry) == ("W123426000012", "DBMC11A0", "0260601312")
    assert read.method == EntryMethod.SCANNED


def test_linear_scans_of_din_and_product_code_read_together_as_scanned() -> None:
    read = read_label("]C0=W12342600001200", "]C0=<DBMC11B0")
    assert (read.product_code, read.method) == ("DBMC11B0", EntryMethod.SCANNED)


def test_a_typed_product_code_makes_the_whole_read_keyed() -> None:
    read = read_label("]C0=W12342600001200", "dbmc11b0")
    assert (read.product_code, read.method) == ("DBMC11B0", EntryMethod.KEYED)


@pytest.mark.parametrize(
    ("din_entry", "product_entry", "fragment"),
    [
        ("=A999914123458", "", "cut short"),
        ("=%5100", "", "not an ISBT 128 DIN, product code or expiry"),
        ("]X=A99991412345800", "", "not a scanner symbology prefix"),
        ("=O99991412345800", "", "not an ISBT 128 DIN, product code or expiry"),
        ("=A999914123458IO", "", "not an ISBT 128 DIN barcode"),
        ("=+02000=A99991412345800", "", "announces 2 data structures"),
        ("=A99991412345800=<DBMC11A0", "=<DBMC11B0", "two product codes"),
        ("=<DBMC11A0", "", "holds no DIN"),
        ("=A99991412345800", "DBMC1", "not a product code"),
        ("=A99991412345800&>0263661200", "", "not a real date"),
        ("", "", "Scan the DIN barcode"),
    ],
)
def test_read_label_says_what_is_wrong(din_entry: str, product_entry: str, fragment: str) -> None:
    with pytest.raises(InvalidDIN, match=fragment):
        read_label(din_entry, product_entry)


def test_label_scans_pair_each_din_with_the_product_code_scanned_after_it() -> None:
    reads = read_label_scans(
        "]C0=W12342600001200\n]C0=<DBMC11A0\n]d1=+02000=W12342600001200=<DBMC11B0"
    )
    assert [(r.din, r.product_code) for r in reads] == [
        ("W123426000012", "DBMC11A0"),
        ("W123426000012", "DBMC11B0"),
    ]


@pytest.mark.parametrize(
    ("scans", "fragment"),
    [
        ("W123426000012H\n=<DBMC11A0", "was typed, not scanned"),
        ("=W12342600001200", "scan its product code barcode too"),
        ("=<DBMC11A0\n=W12342600001200", "DIN barcode first"),
    ],
)
def test_label_scans_refuse_typed_entries_and_unpaired_codes(scans: str, fragment: str) -> None:
    with pytest.raises(InvalidDIN, match=fragment):
        read_label_scans(scans)


@given(st001_dins)
def test_any_st001_din_round_trips_through_its_barcode_and_its_keyed_form(din: str) -> None:
    assert read_label(barcode_data(din)).din == din
    assert read_label(din + check_character(din)).din == din


@pytest.mark.parametrize("code", ["W1234", "A0001", "Z9999", "N0000", "P1234"])
def test_facility_codes_of_one_letter_and_four_digits_are_accepted(code: str) -> None:
    assert facility_code_problem(code) is None


@pytest.mark.parametrize("code", ["O1234", "12345", "W123", "W12345", "WW234", "w1234", ""])
def test_other_facility_codes_are_refused(code: str) -> None:
    assert "one capital letter other than O followed by four digits" in (
        facility_code_problem(code) or ""
    )


def test_divisions_are_00_for_one_container_and_a0_b0_for_several() -> None:
    assert division_code(0, 1) == "00"
    assert [division_code(i, 3) for i in range(3)] == ["A0", "B0", "C0"]
    with pytest.raises(InvalidDIN):
        division_code(26, 27)


def test_a_product_code_is_description_then_autologous_only_then_division() -> None:
    assert product_code("DBMC1", "B0") == "DBMC11B0"
    assert product_code("DBMA2") == "DBMA2100"


def test_our_product_description_codes_are_distinct_local_facility_codes() -> None:
    codes = [product.code for product in LOCAL_PRODUCTS.values()]
    assert len(set(codes)) == len(codes)
    assert all(code.startswith("D") and len(code) == 5 for code in codes)


def test_expiry_is_cyyjjjhhmm_in_local_time() -> None:
    assert expiry_data(datetime(2026, 3, 1, 13, 12)) == "&>0260601312"
    assert expiry_data(datetime(2028, 12, 31, 23, 59)) == "&>0283662359"
    assert expiry_from_data("0260601312") == datetime(2026, 3, 1, 13, 12)


def test_compound_message_matches_the_iccbba_unspecified_sequence_example() -> None:
    # ICCBBA's implementation guide example: four data structures, sequence not specified.
    assert (
        compound_message("=/A9997XYZ100T0479", "=A99991712345600", "=,000012", "=>019031")
        == "=+04000=/A9997XYZ100T0479=A99991712345600=,000012=>019031"
    )


def test_check_character_rejects_a_din_that_is_not_thirteen_characters() -> None:
    with pytest.raises(InvalidDIN, match="13-character DIN"):
        check_character("A99991412345")

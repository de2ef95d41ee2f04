"""Every code against its published source (fixture), the condition mapping, and every UCUM
unit against the UCUM specification (ucumvert parses with the official ucum-essence.xml)."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
from ucumvert import PintUcumRegistry, UcumToPintTransformer, get_ucum_parser

from marrowtrack.interop import terminology as t

FIXTURE = Path(__file__).parent / "fixtures" / "terminology_sources.json"
SOURCES = json.loads(FIXTURE.read_text(encoding="utf-8"))


def _module_codings() -> set[tuple[str, str, str]]:
    found: set[tuple[str, str, str]] = set()
    for value in vars(t).values():
        items = value.values() if isinstance(value, dict) else [value]
        found |= {(c.system, c.code, c.display) for c in items if isinstance(c, t.Coding)}
    return found


def test_every_code_in_the_module_is_one_read_on_its_published_page():
    published = {(c["system"], c["code"], c["display"]) for c in SOURCES["codes"]}
    assert _module_codings() - published == set()


def test_every_published_code_in_the_fixture_is_used_by_the_module():
    published = {(c["system"], c["code"], c["display"]) for c in SOURCES["codes"]}
    assert published - _module_codings() == set()


def test_each_fixture_entry_names_the_address_it_was_read_from():
    assert all(c["source"].startswith(("https://", "http://")) for c in SOURCES["codes"])
    assert SOURCES["not_verified"], "the fixture says what was left uncoded"


@pytest.mark.parametrize(
    ("condition", "laterality", "level", "code"),
    [
        ("knee_oa", "left", "", "M17.12"),
        ("knee_oa", "right", "", "M17.11"),
        ("knee_oa", "bilateral", "", "M17.0"),
        ("shoulder", "left", "", "M75.52"),
        ("shoulder", "right", "", "M75.51"),
        ("facet", "midline", "L4-L5", "M47.816"),
        ("si_joint", "left", "", "M46.1"),
        ("ra", "right", "", "M06.9"),
    ],
)
def test_a_condition_with_its_side_maps_to_its_icd10cm_code(condition, laterality, level, code):
    coding = t.condition_coding(condition, laterality, level)
    assert coding is not None and coding.system == t.ICD10CM and coding.code == code


@pytest.mark.parametrize(
    ("condition", "laterality", "level"),
    [("facet", "midline", "C5-C6"), ("shoulder", "bilateral", ""), ("other", "left", "")],
)
def test_no_code_is_guessed_where_none_was_verified(condition, laterality, level):
    assert t.condition_coding(condition, laterality, level) is None


@cache
def _parser():
    return get_ucum_parser()


UNITS = [value for value in vars(t).values() if isinstance(value, t.Unit)]


@pytest.mark.parametrize("unit", UNITS, ids=[u.code for u in UNITS])
def test_every_unit_is_valid_ucum(unit):
    _parser().parse(unit.code)  # raises on anything UCUM does not define


def _quantity(value: str, code: str, registry: PintUcumRegistry):
    tree = _parser().parse(code)
    return registry.Quantity(value) * UcumToPintTransformer(ureg=registry).transform(tree)


def test_lab_per_microlitre_and_intake_per_litre_platelets_are_the_same_quantity():
    per_ul = Decimal("250000")
    as_giga = t.platelets_giga_per_l(per_ul)
    assert as_giga == Decimal("250")
    registry = PintUcumRegistry()
    lab = _quantity(str(per_ul), t.PER_UL.code, registry)
    intake = _quantity(str(as_giga), t.GIGA_PER_L.code, registry)
    assert lab.to_base_units().magnitude == pytest.approx(intake.to_base_units().magnitude)


def test_the_products_unit_labels_map_to_ucum():
    assert t.ucum_for("×10^9/L") is t.GIGA_PER_L
    assert t.ucum_for("ratio") is t.INR_UNIT
    assert t.ucum_for("furlongs") is None

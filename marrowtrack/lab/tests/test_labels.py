import io
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pypdfium2
import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from marrowtrack.lab.isbt128 import din_format, read_label
from marrowtrack.lab.labels import AUTOLOGOUS_NOTICE, LabelData, render_labels_pdf

COLLECTED = datetime(2026, 3, 1, 9, 12, tzinfo=UTC)


def make_label(din13: str, **overrides: object) -> LabelData:
    fields: dict[str, object] = {
        "din13": din13,
        "product_code": "DBMC11A0",
        "patient_name": "Doe, Jane",
        "date_of_birth": date(1960, 1, 2),
        "mrn": "0042117",
        "product_description": "Bone marrow concentrate",
        "anticoagulant": "ACD-A",
        "storage": "Store at 15-25 °C",
        "site": "Left knee",
        "volume_ml": Decimal("8.0"),
        "collected_at": COLLECTED,
        "expires_at": COLLECTED + timedelta(hours=4),
        "facility_name": "Riverside Orthobiologics",
        **overrides,
    }
    return LabelData(**fields)  # type: ignore[arg-type]


LABELS = [
    make_label("A999914123458"),
    make_label(
        din_format("W1234", 27, 69),
        product_code="DBMA2100",
        patient_name="Müller-Lüdenscheidt, Bartholomew Alexander",
        mrn="00123456",
        product_description="Bone marrow aspirate",
        anticoagulant="Heparin",
        site="From right posterior iliac crest",
        volume_ml=Decimal("60.5"),
    ),
]


@pytest.fixture(scope="module")
def pdf_bytes() -> bytes:
    return render_labels_pdf(LABELS)


@pytest.fixture(scope="module")
def page_images(pdf_bytes: bytes) -> list[Image.Image]:
    # 300 dpi, as a label printer would print it; PDF points are 1/72 inch.
    document = pypdfium2.PdfDocument(pdf_bytes)
    return [page.render(scale=300 / 72).to_pil() for page in document]


def decoded(image: Image.Image) -> dict[str, str]:
    return {r.format.name: r.text for r in zxingcpp.read_barcodes(image)}


def test_each_label_gets_its_own_4_by_2_inch_page(pdf_bytes: bytes) -> None:
    reader = PdfReader(io.BytesIO(pdf_bytes))
    assert len(reader.pages) == 2
    for page in reader.pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == (288, 144)


def _by_identifier(found: list[tuple[str, str]]) -> dict[str, str]:
    return {text[:2] if text[:2] in ("=<", "&>", "=+") else "=": text for _, text in found}


@pytest.mark.parametrize("index", [0, 1])
def test_din_product_code_and_expiry_barcodes_all_decode(
    page_images: list[Image.Image], index: int
) -> None:
    found = [(r.format.name, r.text) for r in zxingcpp.read_barcodes(page_images[index])]
    label = LABELS[index]
    din = label.din13
    expiry = label.expiry_data
    assert sorted(found) == sorted(
        [
            ("Code128", f"={din}00"),
            ("Code128", f"=<{label.product_code}"),
            ("Code128", expiry),
            ("DataMatrix", f"=+03000={din}00=<{label.product_code}{expiry}"),
        ]
    )
    by_kind = _by_identifier(found)
    assert read_label(by_kind["="], by_kind["=<"]).product_code == label.product_code
    two_d = read_label(by_kind["=+"])
    assert (two_d.din, two_d.product_code, two_d.expiry) == (din, label.product_code, expiry[2:])


def test_the_expiry_barcode_is_the_local_expiry_time() -> None:
    assert LABELS[0].expiry_data == "&>0260601312"  # 1 Mar 2026 (day 60) 13:12


def test_code128_still_decodes_from_a_150_dpi_render(page_images: list[Image.Image]) -> None:
    image = page_images[0]
    half = image.resize((image.width // 2, image.height // 2), Image.Resampling.BOX)
    assert decoded(half)["Code128"] == "=A99991412345800"


def test_label_text_has_the_autologous_notice_mrn_and_boxed_check_character(
    pdf_bytes: bytes,
) -> None:
    reader = PdfReader(io.BytesIO(pdf_bytes))
    first, second = (page.extract_text() for page in reader.pages)
    assert AUTOLOGOUS_NOTICE in first and AUTOLOGOUS_NOTICE in second
    assert "0042117" in first and "00123456" in second
    assert re.search(r"A9999 14 123458\s*J", first)
    assert re.search(r"W1234 27 000069\s*\S", second)


def test_label_text_shows_product_volume_dob_and_times(pdf_bytes: bytes) -> None:
    text = PdfReader(io.BytesIO(pdf_bytes)).pages[0].extract_text()
    for expected in [
        "Bone marrow concentrate",
        "LEFT KNEE",
        "8.0 mL",
        "ACD-A",
        "Store at 15-25 °C",
        "DBMC1 1 A0",
        "DOB 02 Jan 1960",
        "Collected 01 Mar 2026 09:12",
        "Expires 01 Mar 2026 13:12",
        "Riverside Orthobiologics",
        "DOE, JANE",
    ]:
        assert expected in text


def test_an_aspirate_label_names_its_anticoagulant_and_where_it_was_collected(
    pdf_bytes: bytes,
) -> None:
    text = PdfReader(io.BytesIO(pdf_bytes)).pages[1].extract_text()
    for expected in ["Bone marrow aspirate", "Heparin", "FROM RIGHT POSTERIOR ILIAC CREST"]:
        assert expected in text


def test_markup_in_patient_fields_is_escaped() -> None:
    pdf = render_labels_pdf([make_label("A999914123458", patient_name="<b>Doe</b> & Sons")])
    assert "<B>DOE</B> & SONS" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_rendering_no_labels_is_refused() -> None:
    with pytest.raises(ValueError, match="At least one label"):
        render_labels_pdf([])

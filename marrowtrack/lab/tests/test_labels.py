import io
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pypdfium2
import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from marrowtrack.lab.isbt128 import din_format, parse_scan
from marrowtrack.lab.labels import AUTOLOGOUS_NOTICE, LabelData, render_labels_pdf

COLLECTED = datetime(2026, 3, 1, 9, 12, tzinfo=UTC)


def make_label(din13: str, **overrides: object) -> LabelData:
    fields: dict[str, object] = {
        "din13": din13,
        "patient_name": "Doe, Jane",
        "date_of_birth": date(1960, 1, 2),
        "mrn": "0042117",
        "product_description": "Bone marrow concentrate",
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
        din_format("ABCDE", 27, 69),
        patient_name="Müller-Lüdenscheidt, Bartholomew Alexander",
        mrn="00123456",
        product_description="Bone marrow aspirate",
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


@pytest.mark.parametrize("index", [0, 1])
def test_code128_and_datamatrix_both_decode_back_to_the_din(
    page_images: list[Image.Image], index: int
) -> None:
    found = decoded(page_images[index])
    din = LABELS[index].din13
    assert found == {"Code128": f"={din}00", "DataMatrix": f"={din}00"}
    assert parse_scan(found["Code128"]) == din
    assert parse_scan(found["DataMatrix"]) == din


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
    assert re.search(r"ABCDE 27 000069\s*C", second)


def test_label_text_shows_product_volume_dob_and_times(pdf_bytes: bytes) -> None:
    text = PdfReader(io.BytesIO(pdf_bytes)).pages[0].extract_text()
    for expected in [
        "Bone marrow concentrate",
        "8.0 mL",
        "DOB 02 Jan 1960",
        "Collected 01 Mar 2026 09:12",
        "Expires 01 Mar 2026 13:12",
        "Riverside Orthobiologics",
        "DOE, JANE",
    ]:
        assert expected in text


def test_markup_in_patient_fields_is_escaped() -> None:
    pdf = render_labels_pdf([make_label("A999914123458", patient_name="<b>Doe</b> & Sons")])
    assert "<B>DOE</B> & SONS" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_rendering_no_labels_is_refused() -> None:
    with pytest.raises(ValueError, match="At least one label"):
        render_labels_pdf([])

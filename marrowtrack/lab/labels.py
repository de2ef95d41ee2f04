"""Product and specimen labels as PDF for a 4 in × 2 in label printer (one label per page).

Pure module, no ORM: callers pass ``LabelData`` and get PDF bytes. Sources: ISBT 128
ST-001 (DIN ``=`` + DIN + flags with the check character printed in a box and never
encoded; Product Code ``=<``; Expiration Date and Time ``&>``; a compound message ``=+``
carrying all three in the DataMatrix), "FOR AUTOLOGOUS USE ONLY" (21 CFR 1271.90(c)), and
platform notes "PDFs" and "Barcodes" (WeasyPrint, python-barcode SVG, pystrich DataMatrix).
The DIN's Code 128 modules are 0.38 mm so a 150 dpi scan still decodes; the product code
and expiry symbols, which share one row, use 0.25 mm and are read at the printer's 300 dpi.

The label also says what the product is made with and how to keep it: the anticoagulant,
the storage temperature, and for a syringe the target and side it is for.

Times are printed as given: pass aware datetimes already converted to the clinic's zone.
"""

from __future__ import annotations

import base64
import io
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from html import escape

import barcode
from barcode.writer import SVGWriter
from pystrich.datamatrix import DataMatrixData, DataMatrixEncoder
from weasyprint import HTML

from marrowtrack.core import clock
from marrowtrack.lab.isbt128 import (
    barcode_data,
    check_character,
    compound_message,
    expiry_data,
    eye_readable,
    product_barcode_data,
)

CODE128_MODULE_MM = 0.38
CODE128_HEIGHT_MM = 9.0
SMALL_MODULE_MM = 0.25
SMALL_HEIGHT_MM = 6.0
DATAMATRIX_MODULE_MM = 0.6
AUTOLOGOUS_NOTICE = "FOR AUTOLOGOUS USE ONLY"


@dataclass(frozen=True)
class LabelData:
    """Everything printed on one product or specimen label."""

    din13: str
    product_code: str  # 8 characters: description code, collection type, division
    patient_name: str
    date_of_birth: date
    mrn: str
    product_description: str  # e.g. "Bone marrow aspirate", "Bone marrow concentrate"
    anticoagulant: str
    storage: str
    site: str  # the target and side of a syringe, or where an aspirate was collected
    volume_ml: Decimal
    collected_at: datetime
    expires_at: datetime
    facility_name: str

    @property
    def expiry_data(self) -> str:
        return expiry_data(self.expires_at)

    @property
    def compound(self) -> str:
        """Everything the linear symbols carry, for the DataMatrix (ST-001 DS 023)."""
        return compound_message(
            barcode_data(self.din13), product_barcode_data(self.product_code), self.expiry_data
        )


def code128_svg(
    data: str, module_mm: float = CODE128_MODULE_MM, height_mm: float = CODE128_HEIGHT_MM
) -> str:
    """Return an inline ``<svg>`` Code 128 symbol of ``data`` with a 10-module quiet zone."""
    symbol = barcode.get("code128", data, writer=SVGWriter())
    buffer = io.BytesIO()
    symbol.write(
        buffer,
        options={
            "module_width": module_mm,
            "module_height": height_mm,
            "quiet_zone": 10 * module_mm,
            "write_text": False,
            "background": "white",
        },
    )
    svg = buffer.getvalue().decode("utf-8")
    return svg[svg.index("<svg") :]  # drop the XML declaration and DOCTYPE for inlining


def datamatrix_img(data: str) -> str:
    """Return an ``<img>`` with a DataMatrix PNG data URI sized to the module width."""
    encoder = DataMatrixEncoder(DataMatrixData(data, encoding="ascii"))
    cellsize = 8
    png = encoder.get_imagedata(cellsize=cellsize)
    modules = struct.unpack(">I", png[16:20])[0] // cellsize  # PNG IHDR width
    size_mm = modules * DATAMATRIX_MODULE_MM
    uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return (
        f'<img class="datamatrix" src="{uri}" alt="DataMatrix {escape(data)}" '
        f'style="width:{size_mm:.2f}mm;height:{size_mm:.2f}mm">'
    )


def _when(value: datetime) -> str:
    return clock.wall_clock(value)  # with its offset: '26 Nov 2026 09:15 (UTC+04:00)'


def _name_size(name: str) -> str:
    # Never truncate a patient identifier: shrink long names instead (two lines at most).
    if len(name) <= 32:
        return "name-normal"
    return "name-long" if len(name) <= 48 else "name-very-long"


def _product_code_text(code: str) -> str:
    return f"{code[:5]} {code[5]} {code[6:]}"


def label_html(label: LabelData) -> str:
    """Return the HTML fragment for one label (one page)."""
    din = label.din13
    code = label.product_code
    return f"""
<section class="label">
  <div class="codes">
    <div class="linear">
      {code128_svg(barcode_data(din))}
      <div class="din"><span class="din-text">{eye_readable(din)}</span>
        <span class="check" title="check character">{check_character(din)}</span></div>
    </div>
    {datamatrix_img(label.compound)}
  </div>
  <div class="codes small-codes">
    <div class="linear"><span class="caption">Product code</span>
      {code128_svg(product_barcode_data(code), SMALL_MODULE_MM, SMALL_HEIGHT_MM)}
      <div class="small-text">{_product_code_text(code)}</div></div>
    <div class="linear"><span class="caption">Expiry</span>
      {code128_svg(label.expiry_data, SMALL_MODULE_MM, SMALL_HEIGHT_MM)}
      <div class="small-text expires">Expires {_when(label.expires_at)}</div></div>
  </div>
  <div class="product"><span class="desc">{escape(label.product_description)}</span>
    <span class="site{" site-long" if len(label.site) > 16 else ""}">{escape(label.site)}</span>
    <span class="volume">{label.volume_ml:.1f} mL</span></div>
  <div class="handling">{escape(label.anticoagulant)} · {escape(label.storage)} ·
    Collected {_when(label.collected_at)}</div>
  <div class="name {_name_size(label.patient_name)}">{escape(label.patient_name)}</div>
  <div class="ids"><span>DOB <b>{label.date_of_birth:%d %b %Y}</b></span>
    <span>MRN <b>{escape(label.mrn)}</b></span></div>
  <div class="footer"><span class="facility">{escape(label.facility_name)}</span>
    <span class="notice">{AUTOLOGOUS_NOTICE}</span></div>
</section>"""


LABEL_CSS = """
@page { size: 4in 2in; margin: 0; }
* { box-sizing: border-box; }
html, body { margin: 0; padding: 0; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #000;
       font-size: 6.5pt; line-height: 1.15; }
.label { position: relative; width: 4in; height: 2in; padding: 1.5mm 3mm;
         page-break-after: always; overflow: hidden; }
.label:last-child { page-break-after: auto; }
.codes { display: flex; justify-content: space-between; align-items: flex-start; }
.linear svg { display: block; }
.din { font-family: "DejaVu Sans Mono", monospace; font-size: 10pt; font-weight: bold;
       margin-left: 3.8mm; letter-spacing: 0.3pt; }
.check { display: inline-block; border: 0.35mm solid #000; padding: 0 1.2mm;
         margin-left: 1.5mm; }
.datamatrix { display: block; image-rendering: pixelated; }
.small-codes { margin-top: 0.6mm; }
.caption { font-size: 5pt; margin-left: 2.5mm; }
.small-text { font-family: "DejaVu Sans Mono", monospace; font-size: 6.5pt;
              margin-left: 2.5mm; }
.small-text.expires { font-family: inherit; font-weight: bold; }
.product { margin-top: 0.6mm; font-size: 8.5pt; font-weight: bold;
           display: flex; justify-content: space-between; gap: 2mm; }
.product .desc { white-space: nowrap; }
.product .site { text-transform: uppercase; border: 0.3mm solid #000; padding: 0 1mm;
                 white-space: nowrap; }
.product .site-long { font-size: 6pt; font-weight: normal; align-self: center; }
.handling { margin-top: 0.3mm; }
.name { margin-top: 0.5mm; font-weight: bold; text-transform: uppercase; }
.name-normal { font-size: 8.5pt; }
.name-long { font-size: 7pt; }
.name-very-long { font-size: 6pt; }
.ids { font-size: 7pt; display: flex; gap: 6mm; }
.footer { position: absolute; left: 3mm; right: 3mm; bottom: 1.5mm; display: flex;
          justify-content: space-between; align-items: center;
          border-top: 0.3mm solid #000; padding-top: 0.5mm; }
.facility { font-size: 6.5pt; }
.notice { background: #000; color: #fff; font-weight: bold; font-size: 7pt;
          padding: 0.3mm 1.5mm; letter-spacing: 0.4pt; }
"""


def labels_html(labels: Sequence[LabelData]) -> str:
    """Return the complete HTML document for ``labels``, one label per page."""
    body = "".join(label_html(label) for label in labels)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>MarrowTrack labels</title><style>{LABEL_CSS}</style></head>"
        f"<body>{body}</body></html>"
    )


def render_labels_pdf(labels: Sequence[LabelData]) -> bytes:
    """Render ``labels`` to a PDF with one 4 in × 2 in page per label."""
    if not labels:
        raise ValueError("At least one label is required.")
    pdf = HTML(string=labels_html(labels)).write_pdf()
    assert pdf is not None  # write_pdf() without a target always returns bytes
    return pdf

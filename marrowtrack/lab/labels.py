"""Product and specimen labels as PDF for a 4 in × 2 in label printer (one label per page).

Pure module, no ORM: callers pass ``LabelData`` and get PDF bytes. Sources: domain spec §3
(ISBT 128 DIN barcode ``=`` + DIN + flags, check character printed in a box beside the
eye-readable DIN and never encoded; "FOR AUTOLOGOUS USE ONLY", 21 CFR 1271.90(c)) and
platform notes "PDFs" and "Barcodes" (WeasyPrint, python-barcode SVG, pystrich DataMatrix;
Code 128 modules of at least 0.33 mm so a 150 dpi scan still decodes; 0.38 mm used here).

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

from marrowtrack.lab.isbt128 import barcode_data, check_character, eye_readable

CODE128_MODULE_MM = 0.38
CODE128_HEIGHT_MM = 11.0
DATAMATRIX_MODULE_MM = 0.75
AUTOLOGOUS_NOTICE = "FOR AUTOLOGOUS USE ONLY"


@dataclass(frozen=True)
class LabelData:
    """Everything printed on one product or specimen label."""

    din13: str
    patient_name: str
    date_of_birth: date
    mrn: str
    product_description: str  # e.g. "Bone marrow aspirate", "Bone marrow concentrate"
    volume_ml: Decimal
    collected_at: datetime
    expires_at: datetime
    facility_name: str


def code128_svg(data: str) -> str:
    """Return an inline ``<svg>`` Code 128 symbol of ``data`` with a 10-module quiet zone."""
    symbol = barcode.get("code128", data, writer=SVGWriter())
    buffer = io.BytesIO()
    symbol.write(
        buffer,
        options={
            "module_width": CODE128_MODULE_MM,
            "module_height": CODE128_HEIGHT_MM,
            "quiet_zone": 10 * CODE128_MODULE_MM,
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
    return value.strftime("%d %b %Y %H:%M")


def _name_size(name: str) -> str:
    # Never truncate a patient identifier: shrink long names instead (two lines at most).
    if len(name) <= 32:
        return "name-normal"
    return "name-long" if len(name) <= 48 else "name-very-long"


def label_html(label: LabelData) -> str:
    """Return the HTML fragment for one label (one page)."""
    din = label.din13
    data = barcode_data(din)
    return f"""
<section class="label">
  <div class="codes">
    <div class="linear">
      {code128_svg(data)}
      <div class="din"><span class="din-text">{eye_readable(din)}</span>
        <span class="check" title="check character">{check_character(din)}</span></div>
    </div>
    {datamatrix_img(data)}
  </div>
  <div class="product"><span class="desc">{escape(label.product_description)}</span>
    <span class="volume">{label.volume_ml:.1f} mL</span></div>
  <div class="name {_name_size(label.patient_name)}">{escape(label.patient_name)}</div>
  <div class="ids"><span>DOB <b>{label.date_of_birth:%d %b %Y}</b></span>
    <span>MRN <b>{escape(label.mrn)}</b></span></div>
  <div class="times"><span>Collected {_when(label.collected_at)}</span>
    <span class="expires">Expires {_when(label.expires_at)}</span></div>
  <div class="footer"><span class="facility">{escape(label.facility_name)}</span>
    <span class="notice">{AUTOLOGOUS_NOTICE}</span></div>
</section>"""


LABEL_CSS = """
@page { size: 4in 2in; margin: 0; }
* { box-sizing: border-box; }
html, body { margin: 0; padding: 0; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #000;
       font-size: 7.5pt; line-height: 1.2; }
.label { position: relative; width: 4in; height: 2in; padding: 2mm 3mm;
         page-break-after: always; overflow: hidden; }
.label:last-child { page-break-after: auto; }
.codes { display: flex; justify-content: space-between; align-items: flex-start; }
.linear svg { display: block; }
.din { font-family: "DejaVu Sans Mono", monospace; font-size: 11pt; font-weight: bold;
       margin-left: 3.8mm; margin-top: 0.3mm; letter-spacing: 0.3pt; }
.check { display: inline-block; border: 0.35mm solid #000; padding: 0 1.2mm;
         margin-left: 1.5mm; }
.datamatrix { display: block; image-rendering: pixelated; }
.product { margin-top: 1.2mm; font-size: 10pt; font-weight: bold;
           display: flex; justify-content: space-between; }
.name { margin-top: 1mm; font-weight: bold; text-transform: uppercase; }
.name-normal { font-size: 10pt; }
.name-long { font-size: 8pt; }
.name-very-long { font-size: 6.5pt; }
.ids { margin-top: 0.5mm; font-size: 8pt; display: flex; gap: 6mm; }
.times { margin-top: 0.8mm; display: flex; justify-content: space-between; }
.times .expires { font-weight: bold; }
.footer { position: absolute; left: 3mm; right: 3mm; bottom: 2mm; display: flex;
          justify-content: space-between; align-items: center;
          border-top: 0.3mm solid #000; padding-top: 0.8mm; }
.facility { font-size: 7pt; }
.notice { background: #000; color: #fff; font-weight: bold; font-size: 8pt;
          padding: 0.4mm 1.5mm; letter-spacing: 0.4pt; }
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

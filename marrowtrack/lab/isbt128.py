"""ISBT 128 identification of the clinic's products: the Donation Identification Number
(DIN) with its keyboard check character, the Product Code, the expiry, and reading what a
person enters at a label: a barcode scan or keyed text.

Pure functions, no ORM. Sources: ICCBBA, *ISBT 128 Standard Technical Specification*
(ST-001) v6.2.2: DIN [Data Structure 001] ``=αppppyynnnnnnff`` and its flag characters
(Table 3); Product Code [Data Structure 003] ``=<αooootds`` with the collection type in the
6th position (Table 7) and the local/facility product description codes starting with
``D`` (section 2.4.3); Expiration Date and Time [Data Structure 005] ``&>cyyjjjhhmm``;
Compound Message [Data Structure 023] ``=+aabbb`` (``bbb`` = 000: sequence not specified).
The check character is ISO/IEC 7064 MOD 37-2 (docs/reference.md §3). Our choice of local codes
and what counts as a scan: docs/decisions/0012-isbt128-products-and-label-scans.md.

One collection, one DIN: the aspirate and every syringe made from it carry the same DIN
and are told apart by their product code (product description code + division).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from stdnum.iso7064 import mod_37_2

# The 13 characters whose check character we compute (docs/reference.md §3: any DIN shape).
DIN_RE = re.compile(r"^[A-Z0-9]{5}\d{8}$")
# A FIN as we issue it: one letter (ST-001 excludes O for the first character) and four
# digits ("current usage is numeric for all four characters", ST-001 2.4.1).
FACILITY_RE = re.compile(r"^[A-NP-Z][0-9]{4}$")
# A DIN read from a barcode, by ST-001 2.4.1: α {A-N, P-Z, 1-9}, pp {A-N, P-Z, 0-9},
# pp {0-9}, yy, nnnnnn; then the two flag characters ff {0-9, A-H, J-N, P, R-Y}.
_SCANNED_DIN_RE = re.compile(r"^([A-NP-Z1-9][A-NP-Z0-9]{2}\d{2}\d{8})([0-9A-HJ-NPR-Y]{2})$")
PRODUCT_CODE_RE = re.compile(r"^[A-Z][A-Z0-9]{4}[A-Za-z0-9][A-Z0-9][a-z0-9]$")
CHECK_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ*"
DATA_IDENTIFIER = "="
UNUSED_FLAGS = "00"  # ST-001 Table 3: flag not used
AUTOLOGOUS_ONLY = "1"  # ST-001 Table 7: "For autologous use only"
NOT_DIVIDED = "00"
_DIN_FIRST = frozenset("ABCDEFGHIJKLMNPQRSTUVWXYZ123456789")
_AIM_RE = re.compile(r"\][A-Za-z][0-9A-Za-z]")
_KEYED_SEPARATORS = re.compile(r"[\s\-]")


class InvalidDIN(ValueError):
    """A DIN, product code or label entry is malformed; the message says what is wrong."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class EntryMethod(StrEnum):
    """How a label reached the system: a barcode reader, or a person typing it."""

    SCANNED = "scanned"
    KEYED = "keyed"


# --- DIN ------------------------------------------------------------------------------


def facility_code_problem(code: str) -> str | None:
    """Why ``code`` is not a facility code (FIN) we can issue DINs under, or None."""
    if FACILITY_RE.match(code or ""):
        return None
    return (
        f"Facility code {code!r} must be one capital letter other than O followed by four "
        "digits (the ISBT 128 FIN, e.g. W1234)."
    )


def din_format(facility: str, year: int, sequence: int) -> str:
    """Build the 13-character DIN: FIN + 2-digit year + 6-digit sequence (ST-001 2.4.1).

    ``year`` may be two digits (0-99) or a year 2000-2099; ``sequence`` runs 1..999999
    within the facility and year.
    """
    fin = facility.strip().upper()
    problem = facility_code_problem(fin)
    if problem:
        raise InvalidDIN(problem)
    if isinstance(year, bool) or not isinstance(year, int):
        raise InvalidDIN(f"Year must be an integer, got {year!r}.")
    if 2000 <= year <= 2099:
        year -= 2000
    if not 0 <= year <= 99:
        raise InvalidDIN(f"Year {year} must be two digits (0-99) or a year 2000-2099.")
    if isinstance(sequence, bool) or not isinstance(sequence, int):
        raise InvalidDIN(f"Sequence number must be an integer, got {sequence!r}.")
    if not 1 <= sequence <= 999_999:
        raise InvalidDIN(f"Sequence number {sequence} must be between 1 and 999999.")
    return f"{fin}{year:02d}{sequence:06d}"


def _require_din13(din13: str) -> str:
    if not isinstance(din13, str) or not DIN_RE.match(din13):
        raise InvalidDIN(
            f"{din13!r} is not a 13-character DIN: 5 capital letters or digits, then 8 digits."
        )
    return din13


def check_character(din13: str) -> str:
    """The ISO/IEC 7064 MOD 37-2 keyboard check character of a 13-character DIN.

    python-stdnum's ``iso7064.mod_37_2`` computes ``(1 - 2·s) mod 37``, the reference's
    ``(38 - p) mod 37`` with ``p = 2·s``; it reproduces the reference's worked examples
    (A999914123458 -> J, ABCDE27000069 -> C).
    """
    return mod_37_2.calc_check_digit(_require_din13(din13))


def eye_readable(din13: str) -> str:
    """The DIN grouped as printed under the barcode: ``FIN YY SEQUENCE``."""
    din = _require_din13(din13)
    return f"{din[:5]} {din[5:7]} {din[7:]}"


def barcode_data(din13: str) -> str:
    """The DIN data structure: ``=`` + DIN + flag characters ``00`` (never the check)."""
    return f"{DATA_IDENTIFIER}{_require_din13(din13)}{UNUSED_FLAGS}"


def _describe_bad_characters(text: str) -> str | None:
    for index, char in enumerate(text[:13], start=1):
        allowed = char.isascii() and (char.isalnum() if index <= 5 else char.isdigit())
        if not allowed:
            kind = "a capital letter or digit" if index <= 5 else "a digit"
            return f"character {index} is {char!r}; it must be {kind}"
    if len(text) > 13 and text[13] not in CHECK_ALPHABET:
        return f"the check character {text[13]!r} must be a letter, a digit or '*'"
    return None


def validate_keyed(text: str) -> str:
    """Validate a DIN typed from the eye-readable label, boxed check character included.

    Accepts 14 characters, ignoring spaces, hyphens and letter case; returns the 13-character
    DIN. A typed 13-character DIN is refused: without the check character a mistyped digit
    would name another donation unnoticed.
    """
    cleaned = _KEYED_SEPARATORS.sub("", text).upper()
    if len(cleaned) == 13:
        raise InvalidDIN(
            f"A typed DIN needs its boxed check character: type all 14 characters "
            f"({cleaned} and the character in the box), or scan the barcode."
        )
    if len(cleaned) != 14:
        raise InvalidDIN(
            f"A typed DIN has 14 characters (13 plus the boxed check character); "
            f"got {len(cleaned)}."
        )
    problem = _describe_bad_characters(cleaned)
    if problem:
        raise InvalidDIN(f"DIN {cleaned[:13]} is not valid: {problem}.")
    din, typed = cleaned[:13], cleaned[13]
    expected = check_character(din)
    if typed != expected:
        raise InvalidDIN(
            f"Wrong check character for DIN {din}: typed {typed!r}, expected {expected!r}. "
            "Re-read the label; a digit may have been mistyped."
        )
    return din


# --- Product code ----------------------------------------------------------------------


@dataclass(frozen=True)
class LocalProduct:
    """One of our local product description codes and what it stands for."""

    code: str
    name: str
    anticoagulant: str
    storage: str


# Local/facility codes start with D (ST-001 2.4.3, "Local/Facility Codes = D"): ICCBBA has
# no code for a point-of-care bone marrow concentrate (docs/reference.md §3). Once used, a code
# is never given another meaning.
STORAGE_ROOM_TEMPERATURE = "Store at 15-25 °C"
LOCAL_PRODUCTS: dict[tuple[str, str], LocalProduct] = {
    ("aspirate", "acd_a"): LocalProduct(
        "DBMA1", "Bone marrow aspirate", "ACD-A", STORAGE_ROOM_TEMPERATURE
    ),
    ("aspirate", "heparin"): LocalProduct(
        "DBMA2", "Bone marrow aspirate", "Heparin", STORAGE_ROOM_TEMPERATURE
    ),
    ("concentrate", "acd_a"): LocalProduct(
        "DBMC1", "Bone marrow concentrate", "ACD-A", STORAGE_ROOM_TEMPERATURE
    ),
    ("concentrate", "heparin"): LocalProduct(
        "DBMC2", "Bone marrow concentrate", "Heparin", STORAGE_ROOM_TEMPERATURE
    ),
}
PRODUCTS_BY_CODE = {product.code: product for product in LOCAL_PRODUCTS.values()}


def local_product(kind: str, anticoagulant: str) -> LocalProduct:
    """Our product description for a container kind and the harvest's anticoagulant."""
    try:
        return LOCAL_PRODUCTS[(kind, anticoagulant)]
    except KeyError:
        raise InvalidDIN(
            f"No product code is defined for {kind} with anticoagulant {anticoagulant!r}."
        ) from None


def division_code(index: int, count: int) -> str:
    """The division (``ds``) of one of ``count`` containers: ``00`` when not divided,
    else first-level divisions ``A0``, ``B0``, ... (ST-001 2.4.3: d capital, s lower case)."""
    if count == 1:
        return NOT_DIVIDED
    if not 0 <= index < min(count, 26):
        raise InvalidDIN(f"Division {index + 1} of {count} cannot be coded (A to Z).")
    return f"{chr(ord('A') + index)}0"


def product_code(description: str, division: str = NOT_DIVIDED) -> str:
    """The 8-character product code: description + collection type + division."""
    code = f"{description}{AUTOLOGOUS_ONLY}{division}"
    if not PRODUCT_CODE_RE.match(code):
        raise InvalidDIN(f"{code!r} is not an ISBT 128 product code.")
    return code


def product_barcode_data(code: str) -> str:
    return f"=<{code}"


def _normalise_keyed_product(text: str) -> str:
    compact = _KEYED_SEPARATORS.sub("", text)
    code = compact[:7].upper() + compact[7:].lower()
    if not PRODUCT_CODE_RE.match(code):
        raise InvalidDIN(
            f"{text.strip()!r} is not a product code: 8 characters as printed under the "
            "product code barcode, e.g. DBMC11A0."
        )
    return code


# --- Expiry ----------------------------------------------------------------------------


def expiry_data(local: datetime) -> str:
    """``&>cyyjjjhhmm`` for a clinic-local expiry: ``cyy`` the last three digits of the
    year, ``jjj`` the day of the year, then hour and minute (ST-001 2.4.5)."""
    return f"&>{local.year % 1000:03d}{local.timetuple().tm_yday:03d}{local:%H%M}"


def expiry_from_data(content: str) -> datetime:
    """The naive local date and time of ``cyyjjjhhmm`` (years 2000-2999)."""
    if not re.fullmatch(r"\d{10}", content):
        raise InvalidDIN(f"Expiry {content!r} must be 10 digits (cyyjjjhhmm).")
    year, day, hour, minute = (
        2000 + int(content[:3]),
        int(content[3:6]),
        int(content[6:8]),
        int(content[8:]),
    )
    start = datetime(year, 1, 1)  # noqa: DTZ001 - ISBT 128 expiry is a local wall time
    if not 1 <= day <= (datetime(year + 1, 1, 1) - start).days or hour > 23 or minute > 59:  # noqa: DTZ001
        raise InvalidDIN(f"Expiry {content!r} is not a real date and time.")
    return start + timedelta(days=day - 1, hours=hour, minutes=minute)


def compound_message(*structures: str) -> str:
    """Data structures joined for a 2-D symbol, headed ``=+aa000`` (ST-001 DS 023)."""
    return f"=+{len(structures):02d}000{''.join(structures)}"


# --- Reading what was entered ----------------------------------------------------------


@dataclass(frozen=True)
class LabelRead:
    """What one label entry said, and how it was entered."""

    din: str
    product_code: str | None
    expiry: str | None
    method: EntryMethod
    symbology: str = ""


@dataclass(frozen=True)
class _Structure:
    kind: str  # "din", "product", "expiry", "compound"
    value: str
    aim: str


_LENGTHS = {"=+": ("compound", 7), "=<": ("product", 10), "&>": ("expiry", 12)}


def _next_structure(text: str, pos: int) -> tuple[str, int]:
    for identifier, (kind, length) in _LENGTHS.items():
        if text.startswith(identifier, pos):
            return kind, length
    # The DIN is the one structure whose second data identifier character is data: its
    # first FIN character (ST-001 2.4.1).
    if text.startswith(DATA_IDENTIFIER, pos) and text[pos + 1 : pos + 2] in _DIN_FIRST:
        return "din", 16
    raise InvalidDIN(
        f"{text[pos : pos + 16]!r} is not an ISBT 128 DIN, product code or expiry barcode."
    )


def _structure(kind: str, raw: str, aim: str) -> _Structure:
    content = raw[2:] if kind != "din" else raw[1:]
    if kind == "din":
        match = _SCANNED_DIN_RE.match(content)
        if not match:
            raise InvalidDIN(
                f"Scanned {raw!r} is not an ISBT 128 DIN barcode: '=' + 13-character DIN + "
                "2 flag characters."
            )
        return _Structure(kind, match.group(1), aim)
    if kind == "product" and not PRODUCT_CODE_RE.match(content):
        raise InvalidDIN(f"Scanned {raw!r} is not an ISBT 128 product code (=< + 8).")
    if kind == "expiry":
        expiry_from_data(content)
    if kind == "compound" and not content.isdigit():
        raise InvalidDIN(f"Scanned {raw!r} is not a compound message header (=+aabbb).")
    return _Structure(kind, content, aim)


def _barcode_structures(text: str) -> list[_Structure]:
    """Every data structure in barcode input, each optionally preceded by the reader's AIM
    symbology identifier (]C0 Code 128, ]d1/]d2 DataMatrix) and separated by CR/LF."""
    found: list[_Structure] = []
    pos, aim = 0, ""
    while pos < len(text):
        if text[pos].isspace():
            pos += 1
            continue
        if text[pos] == "]":
            if not _AIM_RE.match(text, pos):
                raise InvalidDIN(f"{text[pos : pos + 3]!r} is not a scanner symbology prefix.")
            aim, pos = text[pos : pos + 3], pos + 3
            continue
        kind, length = _next_structure(text, pos)
        raw = text[pos : pos + length]
        if len(raw) < length:
            raise InvalidDIN(f"Scanned {raw!r} is cut short.")
        found.append(_structure(kind, raw, aim))
        pos += length
    _check_compound_counts(found)
    return [s for s in found if s.kind != "compound"]


def _check_compound_counts(found: list[_Structure]) -> None:
    for index, item in enumerate(found):
        if item.kind == "compound":
            expected = int(item.value[:2])
            following = found[index + 1 : index + 1 + expected]
            if len(following) != expected or any(s.kind == "compound" for s in following):
                raise InvalidDIN(
                    f"The 2-D code announces {expected} data structures but holds another number."
                )


def is_barcode_input(text: str) -> bool:
    """True when the entry came from a reader: an AIM prefix or an ISBT data identifier."""
    stripped = text.strip()
    return stripped.startswith(("]", DATA_IDENTIFIER, "&"))


def _one(structures: list[_Structure], kind: str, what: str) -> _Structure | None:
    items = [s for s in structures if s.kind == kind]
    if len(items) > 1:
        raise InvalidDIN(f"More than one {what} was scanned into one field.")
    return items[0] if items else None


def _read_din_part(text: str) -> tuple[str, _Structure | None, _Structure | None, str, bool]:
    if not is_barcode_input(text):
        return validate_keyed(text), None, None, "", False
    structures = _barcode_structures(text.strip())
    din = _one(structures, "din", "DIN")
    if din is None:
        raise InvalidDIN("The scan holds no DIN: scan the DIN barcode (or the 2-D code).")
    product = _one(structures, "product", "product code")
    expiry = _one(structures, "expiry", "expiry")
    aims = "".join(sorted({s.aim for s in structures if s.aim}))
    return din.value, product, expiry, aims, True


def _read_product_part(text: str) -> tuple[str, bool]:
    if not is_barcode_input(text):
        return _normalise_keyed_product(text), False
    product = _one(_barcode_structures(text.strip()), "product", "product code")
    if product is None:
        raise InvalidDIN("Scan the product code barcode (it starts with =<) into this field.")
    return product.value, True


def read_label(din_entry: str, product_entry: str = "") -> LabelRead:
    """Read a label from its DIN field and optional product code field.

    Either field may hold barcode data (with or without the reader's AIM prefix; a 2-D
    scan brings DIN, product code and expiry at once) or keyed text: the DIN as 14
    characters with its check character, the product code as its 8 characters. The read
    is ``scanned`` only when everything came from barcodes.
    """
    if not din_entry.strip():
        raise InvalidDIN("Scan the DIN barcode, or type the DIN with its check character.")
    din, product, expiry, aims, din_scanned = _read_din_part(din_entry)
    code = product.value if product else None
    scanned = din_scanned
    if product_entry.strip():
        typed_code, product_scanned = _read_product_part(product_entry)
        if code is not None and code != typed_code:
            raise InvalidDIN(f"The two fields name two product codes ({code}, {typed_code}).")
        code, scanned = typed_code, scanned and product_scanned
    method = EntryMethod.SCANNED if scanned else EntryMethod.KEYED
    return LabelRead(din, code, expiry.value if expiry else None, method, aims)


def read_label_scans(text: str) -> list[LabelRead]:
    """Read several labels scanned one after another: each label's 2-D code, or its DIN
    barcode followed by its product code barcode. Typed entries are refused here: these
    reads stand in for a validated scan (ST-001; FACT-JACIE, docs/reference.md §3)."""
    for token in text.split():
        if not is_barcode_input(token):
            raise InvalidDIN(
                f"{token!r} was typed, not scanned: a typed DIN does not count as a label "
                "scan. Scan each label's barcodes."
            )
    reads: list[LabelRead] = []
    current: list[_Structure] = []
    for item in _barcode_structures(text.strip()):
        if item.kind == "din":
            if current:
                reads.append(_label_from(current))
            current = [item]
        elif not current:
            raise InvalidDIN("Scan a label's DIN barcode first, then its product code.")
        else:
            current.append(item)
    if current:
        reads.append(_label_from(current))
    return reads


def _label_from(structures: list[_Structure]) -> LabelRead:
    din = structures[0]
    product = _one(structures, "product", "product code for one DIN")
    expiry = _one(structures, "expiry", "expiry for one DIN")
    if product is None:
        raise InvalidDIN(
            f"DIN {din.value}: scan its product code barcode too (several containers share a DIN)."
        )
    aims = "".join(sorted({s.aim for s in structures if s.aim}))
    return LabelRead(
        din.value, product.value, expiry.value if expiry else None, EntryMethod.SCANNED, aims
    )

"""ISBT 128 Donation Identification Numbers (DIN) and their keyboard check character.

Pure functions, no ORM. Source: domain spec §3 "ISBT 128" and "Check character
(ISO/IEC 7064 MOD 37-2)": a DIN is the 5-character facility identification number (FIN),
a 2-digit year and a 6-digit sequence number, 13 characters in all. The barcode carries
``=`` + DIN + 2 flag characters; the check character is printed in a box beside the
eye-readable DIN for keyboard entry and is never part of the barcode.

MarrowTrack stores only the 13 characters and computes the check character.
"""

from __future__ import annotations

import re

from stdnum.iso7064 import mod_37_2

DIN_RE = re.compile(r"^[A-Z0-9]{5}\d{8}$")
FACILITY_RE = re.compile(r"^[A-Z0-9]{5}$")
CHECK_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ*"
DATA_IDENTIFIER = "="
UNUSED_FLAGS = "00"
# A barcode scanner may prefix the AIM symbology identifier (]C0 for Code 128, ]d1 for
# DataMatrix) and suffix a carriage return; both are transport, not data.
_AIM_PREFIX_RE = re.compile(r"^\][A-Za-z][0-9A-Za-z]")
_BARCODE_RE = re.compile(r"^=([A-Z0-9]{5}\d{8})[0-9A-Z]{2}$")
_KEYED_SEPARATORS = re.compile(r"[\s\-]")


class InvalidDIN(ValueError):
    """A DIN, keyed DIN or scanned DIN barcode is malformed; the message says what is wrong."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def din_format(facility: str, year: int, sequence: int) -> str:
    """Build the 13-character DIN from facility code, year and sequence number.

    ISBT 128 DIN = αpppp (FIN) + yy + nnnnnn (spec §3). ``year`` may be given as two
    digits (0-99) or as a four-digit year 2000-2099; only the last two digits are kept.
    ``sequence`` runs 1..999999 within the facility and year.
    """
    fin = facility.strip().upper()
    if not FACILITY_RE.match(fin):
        raise InvalidDIN(
            f"Facility code {facility!r} must be exactly 5 letters or digits (the ISBT 128 FIN)."
        )
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
    """Return the ISO/IEC 7064 MOD 37-2 check character for a 13-character DIN.

    Uses python-stdnum's ``iso7064.mod_37_2``, whose result ``(1 - 2·s) mod 37`` equals the
    spec's ``(38 - p) mod 37`` with ``p = 2·s``; it reproduces the spec's worked examples
    (A999914123458 -> J, ABCDE27000069 -> C).
    """
    return mod_37_2.calc_check_digit(_require_din13(din13))


def eye_readable(din13: str) -> str:
    """Return the DIN grouped as printed under the barcode: ``FIN YY SEQUENCE``."""
    din = _require_din13(din13)
    return f"{din[:5]} {din[5:7]} {din[7:]}"


def barcode_data(din13: str) -> str:
    """Return the Code 128 / DataMatrix payload: ``=`` + DIN + flag characters ``00``.

    ``=`` is the ISBT 128 data identifier for a DIN; ``00`` marks the flags as unused
    (spec §3). The check character is deliberately not encoded.
    """
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
    """Validate a DIN typed from the eye-readable label, check character included.

    Accepts 14 characters (13-character DIN + boxed check character), ignoring spaces and
    hyphens and letter case. Returns the 13-character DIN. Raises ``InvalidDIN`` saying
    whether the length, a character or the check character is wrong.
    """
    cleaned = _KEYED_SEPARATORS.sub("", text).upper()
    if len(cleaned) != 14:
        raise InvalidDIN(
            f"A keyed DIN has 14 characters (13 plus the boxed check character); "
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


def parse_scan(scanned: str) -> str:
    """Return the 13-character DIN from a scan or entry.

    Accepts the barcode form (``=`` + DIN + 2 flag characters, optionally with an AIM
    symbology prefix such as ``]C0`` and trailing CR/LF), the bare 13-character DIN, or the
    DIN followed by its check character (validated).
    """
    text = _AIM_PREFIX_RE.sub("", scanned.strip()).strip()
    if text.startswith(DATA_IDENTIFIER):
        match = _BARCODE_RE.match(text)
        if not match:
            raise InvalidDIN(
                f"Scanned {text!r} is not an ISBT 128 DIN barcode: expected '=' + 13-character "
                "DIN + 2 flag characters (16 characters)."
            )
        return match.group(1)
    compact = _KEYED_SEPARATORS.sub("", text).upper()
    if len(compact) == 13:
        problem = _describe_bad_characters(compact)
        if problem:
            raise InvalidDIN(f"DIN {compact} is not valid: {problem}.")
        return compact
    if len(compact) != 14:
        raise InvalidDIN(
            f"{text!r} is not a DIN: expected the barcode ('=' + DIN + 2 flags), the "
            f"13-character DIN, or the DIN with its check character (14); got {len(compact)}."
        )
    return validate_keyed(compact)

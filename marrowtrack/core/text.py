"""Text folding for accent- and case-insensitive name search."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """'  Núñez ' -> 'nunez': strip accents, lower-case, collapse spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(ascii_only.casefold().split())

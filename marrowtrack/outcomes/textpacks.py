"""Text packs: the licensed wording of an instrument in one language, checked (pure).

The product ships no licensed text (EuroQol, Mapi, IWH, PROMIS/HealthMeasures and the KOOS/HOOS
authors license their wording). A clinic writes its licensed wording into a pack file (JSON or
YAML) and installs it; the pack must match the instrument definition exactly, or it is refused
with every mismatch listed (docs/outcomes.md, "Item wording"). Format:

    format: marrowtrack-text-pack/1
    pack_id: koos-en-clinic-licence        # letters, digits, . _ -
    version: "2.0"
    instrument: KOOS
    language: en                           # en or es
    licence: Licence held by ... (number, date)
    instructions: optional text shown above the questions
    recall_period: optional text
    items:
      P1:
        text: the item's licensed wording
        options: {"0": ..., "1": ..., ...} # exactly the item's option values
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from marrowtrack.outcomes.instruments import INSTRUMENTS, Item

FORMAT = "marrowtrack-text-pack/1"
LANGUAGES = ("en", "es")
REQUIRED = ("format", "pack_id", "version", "instrument", "language", "licence", "items")
OPTIONAL = ("title", "instructions", "recall_period")
PACK_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
LIMITS = {"pack_id": 80, "version": 40, "licence": 300, "title": 200, "recall_period": 200}


@dataclass(frozen=True)
class CheckedPack:
    """A pack that matches its instrument definition exactly."""

    pack_id: str
    version: str
    instrument: str
    language: str
    licence: str
    content: dict[str, Any]
    sha256: str


def parse(text: str, *, yaml_file: bool) -> object:
    """The file's data (ValueError with the parser's message when it is not JSON/YAML)."""
    if yaml_file:
        import yaml

        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ValueError(f"not valid YAML: {exc}") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON: {exc}") from exc


def check_pack(data: object) -> tuple[CheckedPack | None, list[str]]:
    """The checked pack, or None and every mismatch with the definition."""
    if not isinstance(data, Mapping):
        return None, ["the pack must be a mapping of fields (JSON object or YAML mapping)"]
    problems = _header_problems(data)
    code = data.get("instrument")
    if code in INSTRUMENTS and isinstance(data.get("items"), Mapping):
        problems += _item_problems(code, data["items"])
    if problems:
        return None, problems
    content = {key: data[key] for key in (*REQUIRED, *OPTIONAL) if key in data}
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False).encode()
    fields = {key: str(data[key]) for key in ("pack_id", "version", "instrument", "language")}
    return (
        CheckedPack(
            **fields,
            licence=str(data["licence"]),
            content=content,
            sha256=hashlib.sha256(canonical).hexdigest(),
        ),
        [],
    )


def _header_problems(data: Mapping[str, Any]) -> list[str]:
    problems = [f"{key}: required field is missing" for key in REQUIRED if key not in data]
    problems += [
        f"{key}: unknown field" for key in data if key not in REQUIRED and key not in OPTIONAL
    ]
    for key in (*REQUIRED, *OPTIONAL):
        if key in data and key != "items" and not _text(data[key]):
            problems.append(f"{key}: must be non-empty text")
        elif key in LIMITS and key in data and len(str(data[key])) > LIMITS[key]:
            problems.append(f"{key}: longer than {LIMITS[key]} characters")
    if "format" in data and data["format"] != FORMAT:
        problems.append(f"format: must be {FORMAT!r}")
    if _text(data.get("pack_id")) and not PACK_ID.match(data["pack_id"]):
        problems.append("pack_id: use letters, digits, '.', '_' and '-' only")
    if "instrument" in data and data["instrument"] not in INSTRUMENTS:
        problems.append(f"instrument: {data['instrument']!r} is not a MarrowTrack instrument")
    if "language" in data and data["language"] not in LANGUAGES:
        problems.append(f"language: must be one of {', '.join(LANGUAGES)}")
    if "items" in data and not isinstance(data["items"], Mapping):
        problems.append("items: must map item codes to their wording")
    return problems


def _item_problems(code: str, items: Mapping[str, Any]) -> list[str]:
    definition = INSTRUMENTS[code].definition
    problems = [
        f"items: {item.code} is missing" for item in definition.items if item.code not in items
    ]
    problems += [
        f"items: {name} is not an item of {code}"
        for name in items
        if definition.item(str(name)) is None
    ]
    for item in definition.items:
        if item.code in items:
            problems += _one_item_problems(item, items[item.code])
    return problems


def _one_item_problems(item: Item, entry: object) -> list[str]:
    where = f"items.{item.code}"
    if not isinstance(entry, Mapping):
        return [f"{where}: must have text and options"]
    problems = [f"{where}.{key}: unknown field" for key in entry if key not in ("text", "options")]
    if not _text(entry.get("text")):
        problems.append(f"{where}.text: must be non-empty text")
    options = entry.get("options")
    if not isinstance(options, Mapping):
        return [*problems, f"{where}.options: must map option values to their wording"]
    return problems + _option_problems(item, options, where)


def _option_problems(item: Item, options: Mapping[Any, Any], where: str) -> list[str]:
    expected = {value for value, _ in item.labels}
    problems, given = [], set()
    for key, text in options.items():
        value = _integer(key)
        if value is None:
            problems.append(f"{where}.options: {key!r} is not a whole-number option value")
            continue
        given.add(value)
        if not _text(text):
            problems.append(f"{where}.options.{value}: must be non-empty text")
    problems += [f"{where}.options: value {value} is missing" for value in sorted(expected - given)]
    problems += [
        f"{where}.options: value {value} is not an option of {item.code} "
        f"(options: {', '.join(str(v) for v in sorted(expected))})"
        for value in sorted(given - expected)
    ]
    return problems


def _integer(key: object) -> int | None:
    if isinstance(key, bool):
        return None
    if isinstance(key, int):
        return key
    text = str(key).strip()
    return int(text) if re.fullmatch(r"-?\d+", text) else None


def _text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


@dataclass(frozen=True)
class Wording:
    """What a page shows for one item: the question and its option labels by value."""

    text: str
    options: dict[int, str]

    @property
    def lowest(self) -> str:
        """The words of the scale's lowest anchor (the EQ VAS's 0)."""
        return self.options[min(self.options)]

    @property
    def highest(self) -> str:
        return self.options[max(self.options)]


def item_wording(item: Item, pack_content: Mapping[str, Any] | None) -> Wording:
    """The pack's wording of an item, or the product's own short labels."""
    if pack_content is None:
        return Wording(item.text, dict(item.labels))
    entry = pack_content["items"][item.code]
    options = {int(key): str(text) for key, text in entry["options"].items()}
    return Wording(str(entry["text"]), options)


def example_pack(instrument: str, *, language: str = "en", pack_id: str = "example") -> dict:
    """A pack that matches the definition, filled with placeholder text (for tests and the
    command's --example): never licensed wording."""
    definition = INSTRUMENTS[instrument].definition
    return {
        "format": FORMAT,
        "pack_id": pack_id,
        "version": "1",
        "instrument": instrument,
        "language": language,
        "licence": "Placeholder: replace with the licence you hold",
        "items": {
            item.code: {
                "text": f"[{item.code}] wording from your licensed form",
                "options": {str(value): f"[{item.code}={value}]" for value, _ in item.labels},
            }
            for item in definition.items
        },
    }

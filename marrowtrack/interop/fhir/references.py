"""Finding the literal references ("Type/id") inside resources."""

from __future__ import annotations

from typing import Any


def references(node: Any) -> list[str]:
    """Every literal reference anywhere in a resource (nested elements included)."""
    if isinstance(node, dict):
        own = [node["reference"]] if isinstance(node.get("reference"), str) else []
        return own + [r for value in node.values() for r in references(value)]
    if isinstance(node, list):
        return [r for item in node for r in references(item)]
    return []

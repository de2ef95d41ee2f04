"""Writing resources as NDJSON, one file per resource type (FHIR Bulk Data output format)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

from marrowtrack.interop.fhir.base import Resource


def dumps(resource: Resource) -> str:
    return json.dumps(resource, ensure_ascii=False, separators=(",", ":"))


class TypeFiles:
    """`<directory>/<ResourceType>.ndjson` files, opened when their first line arrives."""

    def __init__(self, directory: Path, stack: ExitStack) -> None:
        self.directory = directory
        self.stack = stack
        self.files: dict[str, IO[str]] = {}
        self.counts: dict[str, int] = {}

    def write(self, resource: Resource) -> None:
        kind = resource["resourceType"]
        handle = self.files.get(kind)
        if handle is None:
            path = self.directory / f"{kind}.ndjson"
            handle = self.stack.enter_context(path.open("a", encoding="utf-8"))
            self.files[kind] = handle
            self.counts[kind] = 0
        handle.write(dumps(resource))
        handle.write("\n")
        self.counts[kind] += 1


def ndjson_write(resources: Iterable[Resource], directory: Path) -> dict[str, int]:
    """Append each resource to its type's file; returns how many went into each."""
    directory.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        files = TypeFiles(directory, stack)
        for resource in resources:
            files.write(resource)
        return dict(files.counts)


def parse_lines(text: str) -> list[tuple[int, Any]]:
    """(line number, parsed JSON) of each non-blank NDJSON line; bad JSON raises ValueError
    naming the line."""
    parsed = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            parsed.append((number, json.loads(line)))
        except json.JSONDecodeError as error:
            raise ValueError(f"line {number}: not JSON ({error.msg})") from None
    return parsed

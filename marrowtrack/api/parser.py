"""The API's JSON parser: every body and query string is checked once, here, for characters
that no field can hold (NUL, lone surrogates), so no endpoint has to remember to."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, cast

from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

from marrowtrack.core.validators import unencodable

UNENCODABLE_MESSAGE = "Contains a NUL byte or an unpaired surrogate, which cannot be stored."


class BodyNotJson(ValueError):
    """The body is not JSON (malformed, or not UTF-8)."""


class UnsafeCharacters(ValueError):
    """The body holds strings that cannot be stored; `errors` is in ninja's shape."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(UNENCODABLE_MESSAGE)
        self.errors = errors


def _bad_strings(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    if isinstance(value, str):
        if unencodable(value):
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            if unencodable(str(key)):
                yield (*path, "(key)")
            yield from _bad_strings(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _bad_strings(item, (*path, str(index)))


def _errors(where: str, paths: Iterator[tuple[str, ...]]) -> list[dict[str, Any]]:
    return [{"loc": [where, *path], "msg": UNENCODABLE_MESSAGE} for path in paths]


class CheckedJsonParser(Parser):
    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        try:
            data = json.loads(request.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BodyNotJson(str(exc)) from exc
        errors = _errors("body", _bad_strings(data))
        if errors:
            raise UnsafeCharacters(errors)
        return cast(dict[str, Any], data)

    def parse_querydict(
        self, data: MultiValueDict, list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        parsed = super().parse_querydict(data, list_fields, request)
        errors = _errors("query", _bad_strings(parsed))
        if errors:
            raise NinjaValidationError(errors)
        return parsed

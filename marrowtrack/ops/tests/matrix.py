"""Enumerate every route and ask each principal: denied, or let through to the view?"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any
from urllib.parse import urlencode
from uuid import uuid4

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from marrowtrack.accounts.services import api_token_issue
from marrowtrack.api.api import api
from marrowtrack.interop.api import fhir_api
from marrowtrack.notifications.links import link_token
from marrowtrack.ops.tests.policy import ANON, PATIENT, Rule
from marrowtrack.ops.tests.world import World
from marrowtrack.portal.access import COOKIE as PORTAL_COOKIE
from marrowtrack.portal.services import link_send, link_use

DENIED_STATUSES = {401, 403, 404, 410}
LOGIN_REDIRECTS = ("/accounts/login/?next=", "/portal/sign-in/?next=")


@dataclass(frozen=True)
class Route:
    name: str  # namespaced view name
    pattern: str  # for messages
    converters: dict[str, str]  # parameter -> converter
    api_operation: bool  # a ninja operation: checked through the OpenAPI schema instead


def page_routes() -> Iterator[Route]:
    """Every named URL pattern except the API's operations (the OpenAPI schema has those)."""
    yield from _walk(get_resolver(), "", None)


def _walk(resolver: URLResolver, prefix: str, namespace: str | None) -> Iterator[Route]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace or None
            space = ":".join(filter(None, [namespace, inner])) or None
            yield from _walk(entry, prefix + str(entry.pattern), space)
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            pattern = entry.pattern
            converters = {key: type(conv).__name__ for key, conv in pattern.converters.items()}
            if not converters and entry.pattern.regex.groups:
                converters = dict.fromkeys(entry.pattern.regex.groupindex, "regex")
            operation = entry.callback.__module__.startswith("ninja.operation")
            yield Route(name, prefix + str(entry.pattern), converters, operation)


@cache
def openapi() -> dict[str, Any]:
    return api.get_openapi_schema()


@cache
def fhir_openapi() -> dict[str, Any]:
    """The FHIR server's operations (it publishes no schema; ninja can still describe it)."""
    with contextlib.redirect_stdout(io.StringIO()):  # ninja prints duplicate-id warnings
        return fhir_api.get_openapi_schema()


def api_operations() -> Iterator[tuple[str, dict[str, Any]]]:
    for schema in (openapi(), fhir_openapi()):
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                yield f"{method.upper()} {path}", operation


def is_server_error(name: str, status: int) -> bool:
    return status >= 500 and not (name == "ops:health" and status == 503)  # no worker here


def is_denied(status: int, location: str = "") -> bool:
    to_login = status in (301, 302) and location.startswith(LOGIN_REDIRECTS)
    return status in DENIED_STATUSES or to_login


class Principals:
    """A client per principal, logged in again after a request that ended its session
    (logging out, a password change), and a bearer token per staff member."""

    def __init__(self, world: World) -> None:
        self.world = world
        self._patient: Client | None = None
        self._clients: dict[str, Client] = {}
        self._secrets: dict[str, str] = {}

    def client(self, name: str, *, fresh: bool = False, fresh_patient: bool = False) -> Client:
        if fresh_patient and name == PATIENT:
            client = Client(raise_request_exception=False)
            started = link_use(token=link_token(link_send(patient=self.world.patient, by=None)))
            client.cookies[PORTAL_COOKIE] = started.key
            return client
        if fresh and name not in (ANON, PATIENT):
            client = Client(raise_request_exception=False)
            client.force_login(self.user(name))
            return client
        if name == ANON:
            return Client(raise_request_exception=False)
        if name == PATIENT:
            return self._patient_client()
        client = self._clients.get(name)
        if client is None or "_auth_user_id" not in client.session:
            client = Client(raise_request_exception=False)
            client.force_login(self.user(name))
            self._clients[name] = client
        return client

    def forget_token(self, name: str) -> None:
        self._secrets.pop(name, None)

    def user(self, name: str) -> Any:
        return self.world.outsider if name == "outsider" else self.world.staff[name]

    def _patient_client(self) -> Client:
        """Signed in to the portal, with a survey link opened (the outcomes survey pages)."""
        if self._patient is None:
            self._patient = Client(raise_request_exception=False)
            self._patient.cookies[PORTAL_COOKIE] = self.world.portal_key
            opened = self._patient.get(
                reverse("outcomes:portal-start", kwargs={"token": self.world.link_token})
            )
            assert opened.status_code == 302, "the survey link did not open"
        return self._patient

    def bearer(self, name: str) -> dict[str, str]:
        if name in (ANON, PATIENT):
            return {}
        if name not in self._secrets:
            self._secrets[name] = api_token_issue(user=self.user(name))[1]
        return {"Authorization": f"Bearer {self._secrets[name]}"}


def page_answer(client: Client, url: str) -> tuple[int, str]:
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url, {})
    return response.status_code, response.get("Location", "")


def api_answer(
    client: Client, key: str, operation: dict[str, Any], rule: Rule, world: World, headers: dict
) -> int:
    method, path = key.split(" ", 1)
    args = rule.args(world) if rule.args else {}
    url = path.format(**{k: str(v) for k, v in args.items()})
    body = minimal_body(operation)
    if rule.fields is not None:
        body = {**(body or {}), **rule.fields(world)}
    query = urlencode(rule.query(world)) if rule.query else ""
    if path.startswith("/fhir/"):  # Bulk Data kick-offs require asynchronous answers
        headers = {**headers, "Prefer": "respond-async", "Accept": "application/fhir+json"}
    response = client.generic(
        method,
        f"{url}?{query}" if query else url,
        data=None if body is None else _json(body),
        content_type="application/json",
        headers=headers,
    )
    return response.status_code


def _json(body: Any) -> str:
    import json

    return json.dumps(body, default=str)


def minimal_body(operation: dict[str, Any]) -> Any:
    """The smallest body the schema accepts, so a request passes validation and meets the
    access check (ninja validates the body before the endpoint runs)."""
    content = operation.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    if schema is None:
        return None
    return _example(schema, openapi()["components"]["schemas"])


def _example(schema: dict[str, Any], components: dict[str, Any]) -> Any:
    if "$ref" in schema:
        return _example(components[schema["$ref"].rsplit("/", 1)[1]], components)
    for combined in ("anyOf", "oneOf", "allOf"):
        if combined in schema:
            options = [s for s in schema[combined] if s.get("type") != "null"]
            return _example(options[0], components)
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    return _by_type(schema, components)


def _by_type(schema: dict[str, Any], components: dict[str, Any]) -> Any:
    kind = schema.get("type", "object")
    if kind == "object":
        required = schema.get("required", [])
        props = schema.get("properties", {})
        return {name: _example(props[name], components) for name in required}
    if kind == "array":
        return []
    if kind == "boolean":
        return False
    if kind in ("integer", "number"):
        return schema.get("minimum", schema.get("exclusiveMinimum", 0) + 1)
    return _string(schema)


def _string(schema: dict[str, Any]) -> str:
    fmt = schema.get("format")
    if fmt == "date":
        return date(2026, 1, 2).isoformat()
    if fmt == "date-time":
        return datetime(2026, 1, 2, 9, 0).isoformat() + "Z"
    if fmt == "uuid":
        return str(uuid4())
    return "x" * max(1, schema.get("minLength", 1))

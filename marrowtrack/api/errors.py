"""One error shape for the whole API: ``{"message": str, "errors": {field: [str]}}``.

`errors` is present when a field is to blame. Handlers cover the domain exceptions, ninja's
own errors (bad JSON, throttling) and, through `ApiErrorShapeMiddleware`, anything Django
answers before or after ninja (an unknown path, a wrong method, a server error).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from marrowtrack.api.parser import BodyNotJson, UnsafeCharacters
from marrowtrack.audit.denials import access_denied_record
from marrowtrack.core.exceptions import DomainError, StaleEdit, ValidationFailed
from marrowtrack.core.schemas import ErrorOut
from marrowtrack.core.versioning import jsonable
from marrowtrack.esign.services import ReauthenticationThrottled

API_PREFIX = "/api/"
INVALID_FIELDS = "The request has invalid fields."


def error_body(message: str, errors: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"message": message, **({"errors": errors} if errors else {})}


def _field_name(location: list[Any]) -> str:
    parts = [str(p) for p in location if p not in ("body", "payload", "query", "path", "data")]
    return ".".join(parts) or "request"


def _field_errors(items: list[dict[str, Any]]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for error in items:
        errors.setdefault(_field_name(list(error.get("loc", []))), []).append(str(error["msg"]))
    return errors


def _http_error(api: NinjaAPI, request: HttpRequest, exc: HttpError) -> HttpResponse:
    cause = exc.__cause__
    if isinstance(cause, UnsafeCharacters):
        body = error_body(INVALID_FIELDS, _field_errors(cause.errors))
        return api.create_response(request, body, status=422)
    if isinstance(cause, BodyNotJson):
        body = error_body("The request body is not valid JSON.", {"request": [str(cause)]})
        return api.create_response(request, body, status=400)
    response = api.create_response(request, error_body(exc.message), status=exc.status_code)
    if isinstance(exc, Throttled) and exc.wait:
        response["Retry-After"] = str(exc.wait)
    return response


def _permission_denied(api: NinjaAPI, request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    message = str(exc) or "Your role does not allow this."
    access_denied_record(user=request.user, path=request.path, reason=message)
    return api.create_response(request, error_body(message), status=403)


def stale_edit_body(exc: StaleEdit) -> dict[str, Any]:
    """A stale edit's 409: the message (who changed the record, when), the record's current
    values with its version, and who and when apart (docs/decisions/0021-no-lost-updates.md)."""
    return {
        **error_body(exc.message, {"version": [exc.message]}),
        "current": {name: jsonable(value) for name, value in exc.current.items()},
        "changed_by": exc.changed_by or None,
        "changed_at": exc.changed_at.isoformat() if exc.changed_at else None,
    }


def _domain_error(api: NinjaAPI, request: HttpRequest, exc: DomainError) -> HttpResponse:
    if isinstance(exc, ReauthenticationThrottled):
        body = error_body(exc.message, {exc.field: [exc.message]} if exc.field else None)
        response = api.create_response(request, body, status=429)
        response["Retry-After"] = str(exc.wait)
        return response
    if isinstance(exc, StaleEdit):
        return api.create_response(request, stale_edit_body(exc), status=409)
    if isinstance(exc, ValidationFailed):
        return api.create_response(request, error_body(INVALID_FIELDS, exc.errors), status=422)
    errors = {exc.field: [exc.message]} if exc.field else None
    return api.create_response(request, error_body(exc.message, errors), status=409)


def _schema_error(api: NinjaAPI, request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    body = error_body(INVALID_FIELDS, _field_errors(exc.errors))
    return api.create_response(request, body, status=422)


def _not_found(api: NinjaAPI, request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, error_body("Not found."), status=404)


def _unauthenticated(api: NinjaAPI, request: HttpRequest, exc: Exception) -> HttpResponse:
    body = error_body("Authentication required: send a valid bearer token.")
    return api.create_response(request, body, status=401)


def install_error_handlers(api: NinjaAPI) -> None:
    """Map every exception the API can raise onto the one error shape."""
    handlers: list[tuple[type[Exception], Callable[..., HttpResponse]]] = [
        (NinjaValidationError, _schema_error),
        (DomainError, _domain_error),
        (PermissionDenied, _permission_denied),
        (Http404, _not_found),
        (AuthenticationError, _unauthenticated),
        (HttpError, _http_error),
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, partial(handler, api))


def _is_json(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith("application/json")


class ApiErrorShapeMiddleware:
    """Any error answer under /api/ that is not already JSON becomes the JSON error shape:
    Django's own 404 (an unknown path or a malformed id), 405, and 500 pages are HTML."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith(API_PREFIX)
            and response.status_code >= 400
            and not _is_json(response)
        ):
            return _as_json(response)
        return response


def _as_json(response: HttpResponse) -> HttpResponse:
    status = response.status_code
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    messages = {
        404: "Not found: no such endpoint or record.",
        405: f"Method not allowed here (allowed: {response.get('Allow', 'none')}).",
        500: "Server error: the request was not completed. It has been logged.",
    }
    shaped = JsonResponse(error_body(messages.get(status, f"{phrase}.")), status=status)
    for header in ("Allow", "Retry-After"):
        if header in response:
            shaped[header] = response[header]
    return shaped


# What each error status means, as the OpenAPI document states it for every operation it
# applies to (docs/decisions/0026-api-shape.md). The body is always `ErrorOut`.
ERROR_MEANINGS = {
    400: "The body is not valid JSON.",
    401: "No valid bearer token (or, for the portal, no valid session).",
    403: "Your role does not allow this.",
    404: "Not found: an id (in the path or the body) names nothing in your clinic.",
    409: "Refused by a rule (the message says which), or the record changed since it was read.",
    422: "Invalid fields: `errors` names each one.",
    429: "Too many requests (sign-in, token or re-authentication attempts): see Retry-After.",
    500: "Server error: nothing was stored; it has been logged.",
}
UNSAFE_METHODS = frozenset({"post", "put", "patch", "delete"})
ERROR_SCHEMA_REF = {"$ref": "#/components/schemas/ErrorOut"}


def error_statuses(method: str, operation: dict[str, Any]) -> list[int]:
    """The error statuses an operation can answer, from what it takes and who may call it."""
    statuses = [404, 500]
    if "requestBody" in operation:
        statuses.append(400)
    if operation.get("parameters") or "requestBody" in operation:
        statuses.append(422)
    if operation.get("security"):
        statuses += [401, 403]
    if method in UNSAFE_METHODS:
        statuses += [409, 429]
    return sorted(statuses)


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the error answers to every operation of an OpenAPI document, with their one shape;
    an answer an operation documents itself (e.g. a stale edit's 409) is kept."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["ErrorOut"] = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    for path_item in schema.get("paths", {}).values():
        for method, operation in path_item.items():
            responses = operation.setdefault("responses", {})
            documented = {int(code) for code in responses}  # ninja's keys are ints
            for status in error_statuses(method, operation):
                if status not in documented:
                    responses[status] = {
                        "description": ERROR_MEANINGS[status],
                        "content": {"application/json": {"schema": ERROR_SCHEMA_REF}},
                    }
    return schema

"""The NinjaAPI instance: authentication, error mapping, and each app's router."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from marrowtrack.accounts.services import api_token_user
from marrowtrack.core.exceptions import DomainError, ValidationFailed


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` from POST /api/v1/auth/token."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_user(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="MarrowTrack API",
    version="1",
    description="Clinic API for the BMAC injection service. Authenticate with a bearer token.",
    auth=TokenAuth(),
    urls_namespace="api",
)


def _field_name(location: list[Any]) -> str:
    parts = [str(p) for p in location if p not in ("body", "payload", "query", "path", "data")]
    return ".".join(parts) or "request"


@api.exception_handler(NinjaValidationError)
def on_schema_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        errors.setdefault(_field_name(list(error.get("loc", []))), []).append(str(error["msg"]))
    return api.create_response(
        request, {"message": "The request has invalid fields.", "errors": errors}, status=422
    )


@api.exception_handler(ValidationFailed)
def on_validation_failed(request: HttpRequest, exc: ValidationFailed) -> HttpResponse:
    body = {"message": "The request has invalid fields.", "errors": exc.errors}
    return api.create_response(request, body, status=422)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    body: dict[str, Any] = {"message": exc.message}
    if exc.field:
        body["errors"] = {exc.field: [exc.message]}
    return api.create_response(request, body, status=409)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    message = str(exc) or "Your role does not allow this."
    return api.create_response(request, {"message": message}, status=403)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"message": "Not found."}, status=404)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    body = {"message": "Authentication required: send a valid bearer token."}
    return api.create_response(request, body, status=401)


api.add_router("/auth/", "marrowtrack.accounts.api.router")
api.add_router("/patients/", "marrowtrack.patients.api.router")
api.add_router("/audit/", "marrowtrack.audit.api.router")
api.add_router("/intake/", "marrowtrack.intake.api.router")
api.add_router("/procedures/", "marrowtrack.procedures.api.router")
api.add_router("/lab/", "marrowtrack.lab.api.router")
api.add_router("/lab/", "marrowtrack.procedures.lab_api.router")  # the lab bench's day
api.add_router("/outcomes/", "marrowtrack.outcomes.api.router")
api.add_router("/recovery/", "marrowtrack.recovery.api.router")
# The patient's own data, by the portal session cookie (not a staff token).
api.add_router("/portal/", "marrowtrack.portal.api.router")

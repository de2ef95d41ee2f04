"""The FHIR R4 server under /fhir/r4/: its own NinjaAPI instance (FHIR bodies, FHIR errors),
the same bearer tokens as /api/v1/. docs/fhir.md lists every interaction."""

from __future__ import annotations

import inspect
import logging
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django_otp import devices_for_user
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from marrowtrack.accounts.http import AuthenticatedHttpRequest
from marrowtrack.accounts.services import api_token_user, two_factor_missing
from marrowtrack.audit.denials import access_denied_record
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError, ValidationFailed
from marrowtrack.interop import permissions, responses
from marrowtrack.interop.access import export_for_user
from marrowtrack.interop.fhir.server import FHIR_NDJSON, bundle, capability_statement, outcome
from marrowtrack.interop.services import exports, imports, reads
from marrowtrack.interop.status import manifest, progress_headers

logger = logging.getLogger(__name__)


class FhirBearer(HttpBearer):
    """`Authorization: Bearer <token>`, the token from POST /api/v1/auth/token; refused, like
    /api/v1/, for an account that must enrol two-factor first."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_user(token)
        if user is None or two_factor_missing(user, devices_for_user):
            return None
        request.user = user
        return user


fhir_api = NinjaAPI(
    title="MarrowTrack FHIR R4",
    version="r4",
    urls_namespace="fhir",
    auth=FhirBearer(),
    docs_url=None,
    openapi_url=None,
)


@fhir_api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    message = "Authentication required: send a valid bearer token."
    return responses.error(401, "login", message, WWW_Authenticate="Bearer")


@fhir_api.exception_handler(PermissionDenied)
def on_forbidden(request: AuthenticatedHttpRequest, exc: Exception) -> HttpResponse:
    message = str(exc) or "Your role does not allow this."
    access_denied_record(user=request.user, path=request.path, reason=message)
    return responses.error(403, "forbidden", message)


@fhir_api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return responses.error(404, "not-found", str(exc) or "Not found.")


@fhir_api.exception_handler(ValidationFailed)
def on_invalid(request: HttpRequest, exc: ValidationFailed) -> HttpResponse:
    return responses.invalid(exc)


@fhir_api.exception_handler(NinjaValidationError)
def on_bad_request(request: HttpRequest, exc: Exception) -> HttpResponse:
    return responses.error(400, "invalid", "The request is not well formed.")


@fhir_api.exception_handler(reads.NotSupported)
def on_not_supported(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return responses.error(404, "not-supported", exc.message)


@fhir_api.exception_handler(DomainError)
def on_refused(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return responses.error(409, "processing", exc.message)


@fhir_api.exception_handler(Exception)
def on_crash(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("FHIR request failed: %s", request.path)
    return responses.error(500, "exception", "The server failed to answer; the error is logged.")


@fhir_api.get("/metadata", auth=None, url_name="metadata")
def metadata(request: HttpRequest) -> HttpResponse:
    base = responses.fhir_base(request)
    namespace = settings.MARROWTRACK_FHIR_NAMESPACE
    statement = capability_statement(base=base, namespace=namespace, version="1", now=clock.now())
    return responses.fhir(statement)


@fhir_api.get("/Patient/{patient_id}/$everything", url_name="patient-everything")
def patient_everything(request: AuthenticatedHttpRequest, patient_id: str) -> HttpResponse:
    found = reads.patient_everything(user=request.user, patient_id=patient_id)
    base = responses.fhir_base(request)
    self_url = request.build_absolute_uri()
    return responses.fhir(bundle("searchset", found, base=base, self_url=self_url))


@fhir_api.post("/Patient/$import", url_name="patient-import")
def patient_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    try:
        text = request.body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed({"body": ["The body is not UTF-8 text."]}) from None
    report = imports.patients_import(user=request.user, text=text)
    lines = [report.summary(), *report.created, *report.matched]
    body = {"resourceType": "OperationOutcome", "issue": [_info(line) for line in lines]}
    return responses.fhir(body)


def _info(text: str) -> dict[str, str]:
    return {"severity": "information", "code": "informational", "diagnostics": text}


def _kick_off(request: AuthenticatedHttpRequest, level: str) -> HttpResponse:
    if "respond-async" not in request.headers.get("Prefer", ""):
        return responses.error(
            400, "invalid", "Bulk export needs the header Prefer: respond-async."
        )
    wanted = exports.ExportRequest(
        level=level,
        types=responses.list_param(request, "_type"),
        since=responses.since_param(request),
        output_format=request.GET.get("_outputFormat", "application/fhir+ndjson"),
        url=request.build_absolute_uri(),
    )
    export = exports.bulk_export_request(user=request.user, request=wanted)
    status_url = f"{responses.fhir_base(request)}/bulk/{export.public_id}"
    return responses.fhir(
        outcome("informational", "Export queued.", severity="information"),
        202,
        Content_Location=status_url,
    )


@fhir_api.get("/$export", url_name="export")
def system_export(request: HttpRequest) -> HttpResponse:
    return _kick_off(request, "system")


@fhir_api.get("/Patient/$export", url_name="patient-export")
def patient_export(request: HttpRequest) -> HttpResponse:
    return _kick_off(request, "patient")


@fhir_api.get("/bulk/{export_id}", url_name="export-status")
def export_status(request: AuthenticatedHttpRequest, export_id: str) -> HttpResponse:
    export = export_for_user(request.user, permissions.EXPORT, export_id)
    base = responses.fhir_base(request)
    if export.status == export.Status.COMPLETED and export.expires_at > clock.now():
        return HttpResponse(manifest(export, base), content_type="application/json")
    if export.status in (export.Status.QUEUED, export.Status.RUNNING):
        return responses.fhir(
            outcome("informational", "In progress.", severity="information"),
            202,
            **progress_headers(export),
        )
    if export.status == export.Status.FAILED:
        return responses.error(500, "exception", f"The export failed: {export.error}")
    raise Http404("This export was cancelled or has expired.")


@fhir_api.delete("/bulk/{export_id}", url_name="export-cancel")
def export_cancel(request: AuthenticatedHttpRequest, export_id: str) -> HttpResponse:
    export = export_for_user(request.user, permissions.EXPORT, export_id)
    exports.bulk_export_cancel(user=request.user, export=export)
    return responses.fhir(
        outcome("informational", "Export cancelled and its files deleted.", severity="information"),
        202,
    )


@fhir_api.get("/bulk/{export_id}/{file_name}", url_name="export-file")
def export_file(request: AuthenticatedHttpRequest, export_id: str, file_name: str) -> FileResponse:
    export = export_for_user(request.user, permissions.EXPORT, export_id)
    wanted = file_name.removesuffix(".ndjson")
    found = export.files.filter(resource_type=wanted).first()
    if (
        found is None
        or export.status != export.Status.COMPLETED
        or export.expires_at <= clock.now()
    ):
        raise Http404("No such file.")
    path = exports.bulk_file_opened(user=request.user, export_file=found)
    return FileResponse(path.open("rb"), content_type=FHIR_NDJSON)


def _read_routes(resource_type: str) -> None:
    """`GET /<type>/<id>` (read) and `GET /<type>?identifier=` (search) of one type."""

    def read(request: AuthenticatedHttpRequest, resource_id: str) -> HttpResponse:
        found = reads.fhir_read(
            user=request.user, resource_type=resource_type, resource_id=resource_id
        )
        return responses.fhir(found)

    def search(request: AuthenticatedHttpRequest) -> HttpResponse:
        found = reads.fhir_search(
            user=request.user,
            resource_type=resource_type,
            identifier=request.GET.get("identifier", ""),
            resource_id=request.GET.get("_id", ""),
        )
        base = responses.fhir_base(request)
        return responses.fhir(
            bundle("searchset", found, base=base, self_url=request.build_absolute_uri())
        )

    fhir_api.get(f"/{resource_type}/{{resource_id}}", url_name=f"{resource_type}-read")(read)
    fhir_api.get(f"/{resource_type}", url_name=f"{resource_type}-search")(search)


for _type in reads.READABLE:
    _read_routes(_type)


ALL_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _not_allowed(path: str, allowed: str) -> Any:
    """A view answering 405 with an OperationOutcome, taking the path's own parameters."""

    def not_allowed(request: HttpRequest, **params: str) -> HttpResponse:
        message = f"{request.method} is not supported here; use {allowed}."
        return responses.error(405, "not-supported", message, Allow=allowed)

    names = re.findall(r"{(?:\w+:)?(\w+)}", path)
    request = inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    params = [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, annotation=str) for n in names]
    not_allowed.__signature__ = inspect.Signature([request, *params])  # type: ignore[attr-defined]
    return not_allowed


def _refuse_other_methods() -> None:
    """405 with an OperationOutcome (not Django's bare 405) for a method a path lacks."""
    for path, view in list(fhir_api.default_router.path_operations.items()):
        taken = sorted({m for operation in view.operations for m in operation.methods})
        others = [m for m in ALL_METHODS if m not in taken]
        if others:
            fhir_api.api_operation(others, path, auth=None)(_not_allowed(path, ", ".join(taken)))


_refuse_other_methods()


@fhir_api.api_operation(list(ALL_METHODS), "/{path:rest}", auth=None)
def unknown(request: HttpRequest, rest: str) -> HttpResponse:
    return responses.error(
        404, "not-supported", f"This server does not support {request.method} {rest}."
    )

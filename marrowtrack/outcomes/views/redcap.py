"""REDCap exchange pages: download the data dictionary and records, upload records."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from marrowtrack.accounts.access import require_perm
from marrowtrack.outcomes.forms import RedcapImportForm
from marrowtrack.outcomes.services import redcap as redcap_services

PERM = "outcomes.exchange_redcap"
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def _csv(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def dictionary_csv(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, PERM)
    return _csv(redcap_services.dictionary_csv(), "marrowtrack_data_dictionary.csv")


@login_required
def records_csv(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, PERM)
    text = redcap_services.records_csv(clinic=request.user.clinic, by=request.user)
    return _csv(text, "marrowtrack_records.csv")


@login_required
def redcap_page(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, PERM)
    form = RedcapImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["records"]
        if upload.size > MAX_UPLOAD_BYTES:
            form.add_error("records", "The file is larger than 20 MB.")
        else:
            report = redcap_services.records_import(
                clinic=request.user.clinic,
                text=upload.read().decode("utf-8-sig", errors="replace"),
                by=request.user,
                dry_run=form.cleaned_data["dry_run"],
            )
    context = {"form": form, "report": report}
    return render(request, "outcomes/redcap.html", context)

"""REDCap exchange pages: download the project files and records, upload records."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render

from marrowtrack.accounts.access import require_perm, staff_clinic
from marrowtrack.accounts.http import AuthenticatedHttpRequest
from marrowtrack.outcomes.forms import RedcapImportForm
from marrowtrack.outcomes.services import redcap as redcap_services

PERM = "outcomes.exchange_redcap"
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def _csv(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


FILES = {
    "data_dictionary.csv": lambda user: redcap_services.dictionary_csv(clinic=staff_clinic(user)),
    "arms.csv": lambda user: redcap_services.arms_csv(),
    "events.csv": lambda user: redcap_services.events_csv(clinic=staff_clinic(user)),
    "instrument_designation.csv": lambda user: redcap_services.designations_csv(
        clinic=staff_clinic(user)
    ),
    "records.csv": lambda user: redcap_services.records_csv(clinic=staff_clinic(user), by=user),
}


@login_required
def project_file(request: AuthenticatedHttpRequest, name: str) -> HttpResponse:
    require_perm(request.user, PERM)
    if name not in FILES:
        raise Http404("No such REDCap file.")
    return _csv(FILES[name](request.user), f"marrowtrack_{name}")


@login_required
def redcap_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_perm(request.user, PERM)
    form = RedcapImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["records"]
        if upload.size > MAX_UPLOAD_BYTES:
            form.add_error("records", "The file is larger than 20 MB.")
        else:
            report = redcap_services.records_import(
                clinic=staff_clinic(request.user),
                text=upload.read().decode("utf-8-sig", errors="replace"),
                by=request.user,
                dry_run=form.cleaned_data["dry_run"],
            )
    context = {"form": form, "report": report, "files": list(FILES)}
    return render(request, "outcomes/redcap.html", context)

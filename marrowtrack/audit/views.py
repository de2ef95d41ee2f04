from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render

from marrowtrack.accounts.http import AuthenticatedHttpRequest
from marrowtrack.audit.forms import AuditFilterForm
from marrowtrack.audit.selectors import AuditFilter, audit_events
from marrowtrack.core.access import require_perm


@login_required
def audit_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_perm(request.user, "audit.view_auditevent")
    form = AuditFilterForm(request.GET or None)
    events = audit_events(clinic=request.user.clinic, filters=_filters(form))
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    template = "audit/audit_list.html#rows" if request.htmx else "audit/audit_list.html"
    return render(request, template, {"form": form, "page": page})


def _filters(form: AuditFilterForm) -> AuditFilter:
    if not form.is_bound or not form.is_valid():
        return AuditFilter()
    data = {key: value for key, value in form.cleaned_data.items() if value}
    if "patient_id" in data:
        data["patient_id"] = str(data["patient_id"])
    return AuditFilter(**data)

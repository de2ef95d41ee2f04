from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from marrowtrack.audit.forms import AuditFilterForm
from marrowtrack.audit.selectors import AuditFilter, audit_events
from marrowtrack.core.access import require_perm
from marrowtrack.core.exceptions import ValidationFailed
from marrowtrack.core.pagination import keyset_page

PAGE_SIZE = 50


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, "audit.view_auditevent")
    form = AuditFilterForm(request.GET or None)
    events = audit_events(clinic=request.user.clinic, filters=_filters(form))
    # Keyset pages: "older" continues after the last entry shown; no COUNT of the whole
    # trail and no OFFSET, so page 1,000 costs what page 1 does (ADR 0030).
    try:
        page = keyset_page(events, cursor=request.GET.get("after", "")[:600], limit=PAGE_SIZE)
    except ValidationFailed:
        page = keyset_page(events, limit=PAGE_SIZE)
    query = request.GET.copy()
    query.pop("after", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    template = "audit/audit_list.html#rows" if request.htmx else "audit/audit_list.html"
    return render(request, template, context)


def _filters(form: AuditFilterForm) -> AuditFilter:
    if not form.is_bound or not form.is_valid():
        return AuditFilter()
    data = {key: value for key, value in form.cleaned_data.items() if value}
    if "patient_id" in data:
        data["patient_id"] = str(data["patient_id"])
    return AuditFilter(**data)

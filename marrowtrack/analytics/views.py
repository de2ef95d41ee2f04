"""Registry pages: the outcome dashboard (and its CSV), BMAC versus a comparator, the
researcher's home and the de-identified export. Aggregates only: no page here names a
patient, so the researcher sees the same figures as the clinic."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from marrowtrack.accounts.http import AuthenticatedHttpRequest
from marrowtrack.analytics import charts, presenters, services
from marrowtrack.analytics.access import registry_reader, require_research
from marrowtrack.analytics.forms import DEFAULT_SCORE, CompareForm, DashboardFilterForm
from marrowtrack.core import clock

DEFAULTS = {"condition": "knee_oa", "score": "NPRS:total"}


def _filter_form(request: AuthenticatedHttpRequest, mode: str) -> DashboardFilterForm:
    data = request.GET if "condition" in request.GET else DEFAULTS
    return DashboardFilterForm(data, clinic=request.user.clinic, research=(mode == "research"))


def _csv(text: str, name: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    mode = registry_reader(request.user)
    form = _filter_form(request, mode)
    context = {"form": form, "mode": mode, "query": request.GET.urlencode()}
    status = 200
    if form.is_valid():
        board, _ = services.dashboard_build(user=request.user, filters=form.filters())
        context["board"] = board
        context["rows"] = presenters.dashboard_rows(board)
        context["survival_chart"] = charts.survival_svg(board)
        context["change_chart"] = charts.change_svg(board)
    else:
        status = 400
    return render(request, "analytics/dashboard.html", context, status=status)


@login_required
def dashboard_csv(request: AuthenticatedHttpRequest) -> HttpResponse:
    mode = registry_reader(request.user)
    form = _filter_form(request, mode)
    if not form.is_valid():
        return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain")
    board, _ = services.dashboard_build(user=request.user, filters=form.filters())
    what = request.GET.get("table", "outcomes")
    if what == "survival":
        return _csv(presenters.survival_csv(board), f"survival-{board.filters.condition}.csv")
    return _csv(presenters.dashboard_csv(board), f"outcomes-{board.filters.condition}.csv")


@login_required
def compare(request: AuthenticatedHttpRequest) -> HttpResponse:
    mode = registry_reader(request.user)
    data = request.GET if "condition" in request.GET else {**DEFAULTS, "comparator": "csi"}
    form = CompareForm(data)
    context = {"form": form, "mode": mode}
    status = 200
    if form.is_valid():
        d = form.cleaned_data
        instrument, key = (d["score"] or DEFAULT_SCORE).split(":")
        context["comparisons"] = services.comparison_build(
            user=request.user,
            condition=d["condition"],
            comparator=d["comparator"],
            instrument=instrument,
            score_key=key,
            include_excluded=d["include"],
        )
        context["score"] = f"{instrument} {key}"
        context["comparator_label"] = presenters.treatment_label(d["comparator"])
    else:
        status = 400
    return render(request, "analytics/compare.html", context, status=status)


@login_required
def research_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_research(request.user)
    return render(request, "analytics/research_home.html", {})


@login_required
def research_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    text = services.research_export(user=request.user)
    day = clock.today(request.user.clinic).isoformat()
    return _csv(text, f"registry-deidentified-{day}.csv")


@login_required
def evidence(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    plan, card = services.evidence_card_build(user=request.user, plan_id=public_id)
    return render(request, "analytics/evidence.html", {"plan": plan, "card": card})

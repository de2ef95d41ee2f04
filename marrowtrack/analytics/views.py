"""Registry pages: the outcome dashboard (CSV and Parquet), BMAC versus a comparator,
dose-response, the outcomes report (PDF), the researcher's home and the de-identified export
(CSV and Parquet), and the evidence card of a plan. Aggregates only: no registry page names a
patient, so the researcher sees the same figures as the clinic."""

from __future__ import annotations

from uuid import UUID

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from marrowtrack.accounts.http import AuthenticatedHttpRequest
from marrowtrack.analytics import charts, exports, presenters, services
from marrowtrack.analytics.access import registry_reader, require_research
from marrowtrack.analytics.dashboard import Filters
from marrowtrack.analytics.forms import (
    CompareForm,
    DashboardFilterForm,
    DoseFilterForm,
    ReportForm,
)
from marrowtrack.core import clock

DEFAULTS = {"condition": "knee_oa", "score": "NPRS:total"}


def _filter_form(request: AuthenticatedHttpRequest, mode: str) -> DashboardFilterForm:
    data = request.GET if "condition" in request.GET else DEFAULTS
    return DashboardFilterForm(data, clinic=request.user.clinic, research=(mode == "research"))


PARQUET = "application/vnd.apache.parquet"


def _download(body: str | bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _csv(text: str, name: str) -> HttpResponse:
    return _download(text, name, "text/csv; charset=utf-8")


def _refused(form: forms.Form) -> HttpResponse:
    """A download asked with bad filters: what is wrong, in plain text."""
    return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain")


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
        context.update(_report_follows(request, board.filters))
    else:
        status = 400
    return render(request, "analytics/dashboard.html", context, status=status)


REPORT_FILTERS = ("physician_id", "sex", "age_band", "severity")


def _report_follows(request: AuthenticatedHttpRequest, filters: Filters) -> dict[str, object]:
    """The dashboard's patient filters, carried by the report form as hidden fields (the
    period has its own visible fields) and said beside it."""
    hidden = [
        ("physician" if name == "physician_id" else name, value)
        for name in REPORT_FILTERS
        if (value := getattr(filters, name)) not in (None, "")
    ]
    patients_only = Filters(
        condition=filters.condition,
        physician_id=filters.physician_id,
        sex=filters.sex,
        age_band=filters.age_band,
        severity=filters.severity,
    )
    label = services.physician_label(user=request.user, physician_id=filters.physician_id)
    return {
        "report_hidden": hidden,
        "report_in_force": presenters.filters_in_force(patients_only, label),
    }


@login_required
def dashboard_csv(request: AuthenticatedHttpRequest) -> HttpResponse:
    mode = registry_reader(request.user)
    form = _filter_form(request, mode)
    if not form.is_valid():
        return _refused(form)
    board, _ = services.dashboard_build(user=request.user, filters=form.filters())
    what = request.GET.get("table", "outcomes")
    if what == "survival":
        return _csv(presenters.survival_csv(board), f"survival-{board.filters.condition}.csv")
    return _csv(presenters.dashboard_csv(board), f"outcomes-{board.filters.condition}.csv")


@login_required
def dashboard_parquet(request: AuthenticatedHttpRequest) -> HttpResponse:
    mode = registry_reader(request.user)
    form = _filter_form(request, mode)
    if not form.is_valid():
        return _refused(form)
    board, _ = services.dashboard_build(user=request.user, filters=form.filters())
    body = exports.parquet_bytes(presenters.dashboard_rows(board), presenters.CSV_COLUMNS)
    return _download(body, f"outcomes-{board.filters.condition}.parquet", PARQUET)


def _dose_form(request: AuthenticatedHttpRequest, mode: str) -> DoseFilterForm:
    data = request.GET if "condition" in request.GET else {**DEFAULTS, "timepoint": "6m"}
    return DoseFilterForm(data, clinic=request.user.clinic, research=(mode == "research"))


@login_required
def dose(request: AuthenticatedHttpRequest) -> HttpResponse:
    mode = registry_reader(request.user)
    form = _dose_form(request, mode)
    context = {"form": form, "mode": mode, "query": request.GET.urlencode()}
    status = 200
    if form.is_valid():
        result = services.dose_response_build(
            user=request.user, filters=form.filters(), timepoint=form.cleaned_data["timepoint"]
        )
        outcome = f"{result.filters.instrument} {result.filters.score_key}"
        context["result"] = result
        context["fit_rows"] = presenters.dose_fit_rows(result)
        context["charts"] = [(d, charts.dose_svg(d, outcome)) for d in result.fits]
    else:
        status = 400
    return render(request, "analytics/dose.html", context, status=status)


@login_required
def dose_csv(request: AuthenticatedHttpRequest) -> HttpResponse:
    mode = registry_reader(request.user)
    form = _dose_form(request, mode)
    if not form.is_valid():
        return _refused(form)
    result = services.dose_response_build(
        user=request.user, filters=form.filters(), timepoint=form.cleaned_data["timepoint"]
    )
    name = f"dose-response-{result.filters.condition}-{result.timepoint}"
    if request.GET.get("table") == "fit":
        text = presenters.table_csv(presenters.dose_fit_rows(result), presenters.DOSE_FIT_COLUMNS)
        return _csv(text, f"{name}-fit.csv")
    text = presenters.table_csv(presenters.dose_rows(result), presenters.DOSE_COLUMNS)
    return _csv(text, f"{name}.csv")


@login_required
def report_pdf(request: AuthenticatedHttpRequest) -> HttpResponse:
    mode = registry_reader(request.user)
    form = ReportForm(request.GET, clinic=request.user.clinic, research=(mode == "research"))
    if not form.is_valid():
        return _refused(form)
    start, end = form.cleaned_data["treated_from"], form.cleaned_data["treated_to"]
    pdf = services.outcomes_report_build(user=request.user, filters=form.filters())
    period = f"{start or 'start'}-to-{end or clock.today(request.user.clinic)}"
    return _download(pdf, f"outcomes-report-{period}.pdf", "application/pdf")


@login_required
def compare(request: AuthenticatedHttpRequest) -> HttpResponse:
    """BMAC versus a comparator over the patients the dashboard's filters admit (its link
    carries them); the filters in force are printed on the page."""
    mode = registry_reader(request.user)
    data = request.GET if "condition" in request.GET else {**DEFAULTS, "comparator": "csi"}
    form = CompareForm(data, clinic=request.user.clinic, research=(mode == "research"))
    context = {"form": form, "mode": mode}
    status = 200
    if form.is_valid():
        filters = form.filters()
        comparator = form.cleaned_data["comparator"]
        context["comparisons"] = services.comparison_build(
            user=request.user, filters=filters, comparator=comparator
        )
        context["score"] = f"{filters.instrument} {filters.score_key}"
        context["comparator_label"] = presenters.treatment_label(comparator)
        context["filters_in_force"] = presenters.filters_in_force(
            filters, services.physician_label(user=request.user, physician_id=filters.physician_id)
        )
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
    return _csv(str(text), f"registry-deidentified-{day}.csv")


@login_required
def research_export_parquet(request: AuthenticatedHttpRequest) -> HttpResponse:
    body = services.research_export(user=request.user, fmt="parquet")
    day = clock.today(request.user.clinic).isoformat()
    return _download(body, f"registry-deidentified-{day}.parquet", PARQUET)


@login_required
def evidence(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """The card for the consultation: its own page, or (htmx) the card alone, loaded into
    the plan page."""
    plan, card = services.evidence_card_build(user=request.user, plan_id=public_id)
    context = {"plan": plan, "card": card}
    if getattr(request, "htmx", False):
        return render(request, "analytics/_evidence_card.html", context)
    return render(request, "analytics/evidence.html", context)

"""The patient portal's survey pages, reached through a single-use, expiring link.

The token is exchanged for a session entry on the first request, so it does not travel in
later URLs or Referer headers. After submitting, the session may show the patient's own
results for a short while (the link itself no longer works).
"""

from __future__ import annotations

from datetime import timedelta

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError
from marrowtrack.core.forms import apply_errors
from marrowtrack.intake.models import TreatmentPlan
from marrowtrack.ops.ratelimit import rate_limited
from marrowtrack.outcomes import analysis, catalogue, pages
from marrowtrack.outcomes.forms import ItemsForm
from marrowtrack.outcomes.models import FollowUp, SurveyLink
from marrowtrack.outcomes.services import responses as response_services
from marrowtrack.outcomes.services.followups import instruments_for_plan
from marrowtrack.outcomes.services.links import LinkInvalid, survey_link_resolve, token_hash
from marrowtrack.outcomes.views.common import plan_charts

LINK_KEY = "outcomes_portal_link"
RESULTS_KEY = "outcomes_portal_results"
RESULTS_MINUTES = 60


def _invalid(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "outcomes/portal/invalid.html", {"message": message}, status=410)


def _current_link(request: HttpRequest) -> SurveyLink:
    stored = request.session.get(LINK_KEY)
    if not stored:
        raise LinkInvalid("Open the survey from the link in your message.")
    return survey_link_resolve_by_hash(stored)


def survey_link_resolve_by_hash(hashed: str) -> SurveyLink:
    link = SurveyLink.objects.filter(token_hash=hashed).select_related("followup").first()
    if link is None:
        raise LinkInvalid("This survey link has expired or was already used.")
    return survey_link_resolve_checked(link)


def survey_link_resolve_checked(link: SurveyLink) -> SurveyLink:
    if link.used_at is not None or link.expires_at <= clock.now():
        raise LinkInvalid("This survey link has expired or was already used.")
    if link.followup.status != FollowUp.Status.OPEN:
        raise LinkInvalid("This survey is closed.")
    return link


def _screens(followup: FollowUp) -> list[pages.Screen]:
    every, later = instruments_for_plan(followup.plan)
    return pages.screens_for(catalogue.instruments_at(every, later, followup.timepoint))


def _progress(followup: FollowUp) -> dict[str, int]:
    return dict(followup.responses.values_list("instrument", "progress"))


@never_cache
@rate_limited("portal-link", "MARROWTRACK_PORTAL_LINK_RATE", methods=("GET", "POST"))
def portal_start(request: HttpRequest, token: str) -> HttpResponse:
    try:
        survey_link_resolve(token)
    except LinkInvalid as exc:
        return _invalid(request, exc.message)
    request.session[LINK_KEY] = token_hash(token)
    return redirect("outcomes:portal-survey")


@never_cache
def portal_survey(request: HttpRequest) -> HttpResponse:
    try:
        link = _current_link(request)
    except LinkInvalid as exc:
        return _invalid(request, exc.message)
    followup = link.followup
    screens = _screens(followup)
    number = _screen_number(request, screens, followup)
    if number >= len(screens):
        return render(request, "outcomes/portal/review.html", _review_context(followup, screens))
    return _screen(request, followup, screens, screens[number])


def _screen_number(request: HttpRequest, screens: list[pages.Screen], followup: FollowUp) -> int:
    resume = pages.resume_screen(screens, _progress(followup))
    asked = request.GET.get("screen") or request.POST.get("screen")
    if asked is not None and asked.isdigit() and int(asked) <= resume:
        return int(asked)  # going back to an earlier screen is allowed, skipping ahead is not
    return resume


def _screen(
    request: HttpRequest, followup: FollowUp, screens: list[pages.Screen], screen: pages.Screen
) -> HttpResponse:
    response = response_services.portal_response_get_or_start(
        followup=followup, instrument=screen.instrument
    )
    initial = {item.code: response.answers.get(item.code) for item in screen.items}
    form = ItemsForm(request.POST or None, items=screen.items, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            response_services.response_save_page(
                response=response, answers=form.answers(), page=screen.page
            )
        except DomainError as exc:
            apply_errors(form, exc, name_field=True)
        else:
            return redirect("outcomes:portal-survey")
    context = {
        "form": form,
        "screen": screen,
        "screens": len(screens),
        "step": screen.number + 1,
        "percent": round(100 * screen.number / len(screens)),
        "definition": response_services.scoring.instrument(screen.instrument).definition,
        "followup": followup,
        "timepoint": catalogue.timepoint_label(followup.timepoint),
    }
    return render(request, "outcomes/portal/screen.html", context)


def _review_context(followup: FollowUp, screens: list[pages.Screen]) -> dict[str, object]:
    answered = {
        r.instrument: sum(v is not None for v in r.answers.values())
        for r in followup.responses.all()
    }
    items = {s.instrument: 0 for s in screens}
    for s in screens:
        items[s.instrument] += len(s.items)
    rows = [(code, answered.get(code, 0), total) for code, total in items.items()]
    return {
        "rows": rows,
        "screens": len(screens),
        "timepoint": catalogue.timepoint_label(followup.timepoint),
    }


@never_cache
@require_POST
def portal_submit(request: HttpRequest) -> HttpResponse:
    try:
        link = _current_link(request)
        response_services.portal_followup_submit(followup=link.followup)
    except DomainError as exc:
        return _invalid(request, exc.message)
    request.session.pop(LINK_KEY, None)
    until = clock.now() + timedelta(minutes=RESULTS_MINUTES)
    request.session[RESULTS_KEY] = [str(link.followup.plan.public_id), until.isoformat()]
    return redirect("outcomes:portal-results")


def _results_plan(request: HttpRequest) -> TreatmentPlan:
    stored = request.session.get(RESULTS_KEY)
    if not stored or stored[1] < clock.now().isoformat():
        raise Http404("Your results are shown after you submit a survey.")
    return TreatmentPlan.objects.select_related("patient__clinic").get(public_id=stored[0])


@never_cache
def portal_results(request: HttpRequest) -> HttpResponse:
    try:
        plan = _results_plan(request)
    except Http404 as exc:
        return _invalid(request, str(exc))
    context = {
        "plan": plan,
        "charts": plan_charts(plan),
        "latest": plan.responses.filter(status="submitted").order_by("-answered_at", "instrument"),
        "responders": analysis.plan_responders(plan=plan),
    }
    return render(request, "outcomes/portal/results.html", context)

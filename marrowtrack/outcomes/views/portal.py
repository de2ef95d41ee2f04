"""The patient portal's survey pages, reached through a single-use, expiring link.

The token is exchanged for a session entry on the first request, so it does not travel in
later URLs or Referer headers, and the link binds to this browser (a device cookie): it does
not open on another phone or computer. After submitting, the session may show the patient's
own results for a short while (the link itself no longer works).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError
from marrowtrack.core.forms import run_form_action
from marrowtrack.intake.models import TreatmentPlan
from marrowtrack.ops.ratelimit import rate_limited
from marrowtrack.outcomes import analysis, catalogue, pages, scoring, selectors
from marrowtrack.outcomes.forms import ItemsForm
from marrowtrack.outcomes.models import FollowUp, SurveyLink, SurveyResponse
from marrowtrack.outcomes.presenters import patient_results
from marrowtrack.outcomes.services import responses as response_services
from marrowtrack.outcomes.services.links import (
    LinkInvalid,
    LinkOnOtherDevice,
    survey_link_for_session,
    survey_link_open,
    token_hash,
)
from marrowtrack.outcomes.views.common import plan_charts

LINK_KEY = "outcomes_portal_link"
RESULTS_KEY = "outcomes_portal_results"
RESULTS_MINUTES = 60
DEVICE_COOKIE = "mt_survey_device"
DEVICE_COOKIE_DAYS = 60


def _invalid(request: HttpRequest, exc: LinkInvalid | DomainError) -> HttpResponse:
    context = {"message": exc.message, "other_device": isinstance(exc, LinkOnOtherDevice)}
    return render(request, "outcomes/portal/invalid.html", context, status=410)


def _current_link(request: HttpRequest) -> SurveyLink:
    stored = request.session.get(LINK_KEY)
    if not stored:
        raise LinkInvalid("Open the survey from the link in your message.")
    return survey_link_for_session(hashed=stored, device_secret=request.COOKIES.get(DEVICE_COOKIE))


def _screens(followup: FollowUp) -> list[pages.Screen]:
    every, later = selectors.instruments_for_plan(followup.plan)
    return pages.screens_for(catalogue.instruments_at(every, later, followup.timepoint))


def _progress(followup: FollowUp) -> dict[str, int]:
    return dict(followup.responses.values_list("instrument", "progress"))


@never_cache
@rate_limited("portal-link", "MARROWTRACK_PORTAL_LINK_RATE", methods=("GET", "POST"))
def portal_start(request: HttpRequest, token: str) -> HttpResponse:
    try:
        opened = survey_link_open(token=token, device_secret=request.COOKIES.get(DEVICE_COOKIE))
    except LinkInvalid as exc:
        return _invalid(request, exc)
    request.session[LINK_KEY] = token_hash(token)
    response = redirect("outcomes:portal-survey")
    response.set_cookie(
        DEVICE_COOKIE,
        opened.device_secret,
        max_age=DEVICE_COOKIE_DAYS * 24 * 3600,
        path="/outcomes/portal/",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


@never_cache
def portal_survey(request: HttpRequest) -> HttpResponse:
    try:
        link = _current_link(request)
    except LinkInvalid as exc:
        return _invalid(request, exc)
    followup = link.followup
    screens = _screens(followup)
    number = _screen_number(request, screens, followup)
    if number >= len(screens):
        return render(request, "outcomes/portal/review.html", _review_context(link, screens))
    return _screen(request, link, screens, screens[number])


def _screen_number(request: HttpRequest, screens: list[pages.Screen], followup: FollowUp) -> int:
    resume = pages.resume_screen(screens, _progress(followup))
    asked = request.GET.get("screen") or request.POST.get("screen")
    if asked is not None and asked.isdigit() and int(asked) <= resume:
        return int(asked)  # going back to an earlier screen is allowed, skipping ahead is not
    return resume


def _window_notice(followup: FollowUp) -> str:
    """Plain words when today is outside the time point's window (answers kept, not counted)."""
    if selectors.followup_holds(followup, clock.now()):
        return ""
    when = catalogue.timepoint_label(followup.timepoint).lower()
    if followup.timepoint == "baseline":
        return (
            "This is your before-treatment questionnaire, but your procedure has already "
            "started. Your answers will be kept in your record, but they cannot count as "
            "your before-treatment answers."
        )
    return (
        f"This is your {when} questionnaire, which is open from {followup.opens_on:%-d %B} to "
        f"{followup.closes_on:%-d %B %Y}. If you answer today, your answers will be kept in "
        f"your record but will not count as your {when} answers."
    )


def _screen(
    request: HttpRequest, link: SurveyLink, screens: list[pages.Screen], screen: pages.Screen
) -> HttpResponse:
    response = response_services.portal_response_get_or_start(
        link=link, instrument=screen.instrument
    )
    pack = response.text_pack.content if response.text_pack else None
    initial = {item.code: response.answers.get(item.code) for item in screen.items}
    form = ItemsForm(request.POST or None, items=screen.items, wording=pack, initial=initial)
    if run_form_action(
        form,
        lambda: response_services.response_save_page(
            response=response, answers=form.answers(), page=screen.page
        ),
        name_field=True,
    ):
        return redirect("outcomes:portal-survey")
    definition = scoring.instrument(screen.instrument).definition
    context = {
        "form": form,
        "screen": screen,
        "screens": len(screens),
        "step": screen.number + 1,
        "percent": round(100 * screen.number / len(screens)),
        "definition": definition,
        "title": (pack or {}).get("title") or definition.plain_name or definition.name,
        "instructions": (pack or {}).get("instructions", ""),
        "recall_period": (pack or {}).get("recall_period") or definition.recall_period,
        "followup": link.followup,
        "timepoint": catalogue.timepoint_label(link.followup.timepoint),
        "window_notice": _window_notice(link.followup),
    }
    return render(request, "outcomes/portal/screen.html", context)


def _review_context(link: SurveyLink, screens: list[pages.Screen]) -> dict[str, object]:
    followup = link.followup
    answered = {
        r.instrument: sum(v is not None for v in r.answers.values())
        for r in followup.responses.all()
    }
    items = {s.instrument: 0 for s in screens}
    for s in screens:
        items[s.instrument] += len(s.items)
    names = {code: scoring.instrument(code).definition for code in items}
    rows = [
        (names[code].plain_name or names[code].name, answered.get(code, 0), total)
        for code, total in items.items()
    ]
    return {
        "rows": rows,
        "screens": len(screens),
        "timepoint": catalogue.timepoint_label(followup.timepoint),
        "window_notice": _window_notice(followup),
    }


@never_cache
@require_POST
def portal_submit(request: HttpRequest) -> HttpResponse:
    try:
        link = _current_link(request)
        response_services.portal_followup_submit(followup=link.followup)
    except DomainError as exc:
        return _invalid(request, exc)
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
        return _invalid(request, DomainError(str(exc)))
    submitted = plan.responses.filter(status=SurveyResponse.Status.SUBMITTED)
    context = {
        "plan": plan,
        "charts": plan_charts(plan, include_unvalidated=True),
        "results": patient_results(plan, submitted.order_by("-answered_at", "instrument")),
        "responders": analysis.plan_responders(plan=plan, include_unvalidated=True),
    }
    return render(request, "outcomes/portal/results.html", context)

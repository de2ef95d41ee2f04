"""The nurse worklist: tasks from check-ins, urgent first; acknowledge and resolve."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from marrowtrack.accounts.access import has_perm, require_perm, staff_clinic
from marrowtrack.accounts.http import AuthenticatedHttpRequest
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError
from marrowtrack.core.forms import run_form_action
from marrowtrack.recovery import selectors
from marrowtrack.recovery.access import task_for_user
from marrowtrack.recovery.forms import ResolveForm
from marrowtrack.recovery.services import tasks as task_services

CHANGE = "recovery.change_nursetask"


@login_required
def worklist(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_perm(request.user, "recovery.view_nursetask")
    resolved = request.GET.get("show") == "resolved"
    context = {
        "tasks": selectors.worklist(clinic=staff_clinic(request.user), resolved=resolved),
        "resolved": resolved,
        "now": clock.now(),
    }
    template = "recovery/worklist.html#rows" if request.htmx else "recovery/worklist.html"
    return render(request, template, context)


def _task_page(
    request: AuthenticatedHttpRequest, task, form: ResolveForm | None = None
) -> HttpResponse:  # noqa: ANN001
    context = {
        "task": task,
        "checkin": task.checkin,
        "patient": task.course.patient,
        "form": form or ResolveForm(),
        "can_change": has_perm(request.user, CHANGE),
        "can_record_ae": has_perm(request.user, "recovery.add_adverseevent"),
        "now": clock.now(),
    }
    return render(request, "recovery/task.html", context)


@login_required
def task_detail(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    return _task_page(request, task_for_user(request.user, public_id))


@login_required
@require_POST
def task_acknowledge(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    task = task_for_user(request.user, public_id, CHANGE)
    try:
        task_services.task_acknowledge(task=task, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(task)


@login_required
@require_POST
def task_resolve(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    task = task_for_user(request.user, public_id, CHANGE)
    form = ResolveForm(request.POST)
    if run_form_action(
        form,
        lambda: task_services.task_resolve(
            task=task, by=request.user, note=form.cleaned_data["note"]
        ),
    ):
        messages.success(request, "Task resolved.")
        return redirect(task)
    return _task_page(request, task, form)

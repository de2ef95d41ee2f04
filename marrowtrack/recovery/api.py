"""Recovery endpoints: the worklist, check-ins, adverse events. Each checks access and
calls the same service as the pages."""

from __future__ import annotations

from uuid import UUID

from ninja import Query, Router

from marrowtrack.accounts.access import require_perm, staff_clinic
from marrowtrack.accounts.http import AuthenticatedHttpRequest
from marrowtrack.core.pagination import Page, PageQuery, api_page
from marrowtrack.core.versioning import ConflictOut
from marrowtrack.intake.access import plan_for_user
from marrowtrack.recovery import schemas, selectors
from marrowtrack.recovery.access import course_for_user, event_for_user, task_for_user
from marrowtrack.recovery.services import adverse_events as ae
from marrowtrack.recovery.services import tasks

router = Router(tags=["recovery"])
CHANGE_TASK = "recovery.change_nursetask"


@router.get("/tasks", response=Page[schemas.TaskOut])
def task_list(request: AuthenticatedHttpRequest, page: Query[PageQuery]):
    """Open tasks, urgent first (the 200 most pressing; open tasks are a day's work)."""
    require_perm(request.user, "recovery.view_nursetask")
    return api_page(list(selectors.worklist(clinic=staff_clinic(request.user))[:200]), page)


@router.get("/tasks/{uuid:public_id}", response=schemas.TaskOut)
def task_read(request: AuthenticatedHttpRequest, public_id: UUID):
    return task_for_user(request.user, public_id)


@router.post("/tasks/{uuid:public_id}/acknowledge", response=schemas.TaskOut)
def task_acknowledge(request: AuthenticatedHttpRequest, public_id: UUID):
    task = task_for_user(request.user, public_id, CHANGE_TASK)
    return tasks.task_acknowledge(task=task, by=request.user)


@router.post("/tasks/{uuid:public_id}/resolve", response=schemas.TaskOut)
def task_resolve(request: AuthenticatedHttpRequest, public_id: UUID, payload: schemas.ResolveIn):
    task = task_for_user(request.user, public_id, CHANGE_TASK)
    return tasks.task_resolve(task=task, by=request.user, note=payload.note)


@router.get("/courses/{uuid:public_id}/checkins", response=Page[schemas.CheckInOut])
def checkin_list(request: AuthenticatedHttpRequest, public_id: UUID, page: Query[PageQuery]):
    require_perm(request.user, "recovery.view_checkin")
    return api_page(list(course_for_user(request.user, public_id).checkins.order_by("day")), page)


@router.post("/plans/{uuid:public_id}/adverse-events", response={201: schemas.AdverseEventOut})
def event_create(
    request: AuthenticatedHttpRequest, public_id: UUID, payload: schemas.AdverseEventIn
):
    require_perm(request.user, "recovery.add_adverseevent")
    plan = plan_for_user(request.user, public_id)
    return 201, ae.adverse_event_record(plan=plan, by=request.user, data=payload.dict())


@router.get("/adverse-events/{uuid:public_id}", response=schemas.AdverseEventOut)
def event_read(request: AuthenticatedHttpRequest, public_id: UUID):
    return event_for_user(request.user, public_id)


@router.put(
    "/adverse-events/{uuid:public_id}", response={200: schemas.AdverseEventOut, 409: ConflictOut}
)
def event_update(
    request: AuthenticatedHttpRequest, public_id: UUID, payload: schemas.AdverseEventUpdateIn
):
    """Correct a draft. `version` is the one read: an older one is refused (409)."""
    event = event_for_user(request.user, public_id, "recovery.change_adverseevent")
    data = payload.dict()
    version = data.pop("version")
    return ae.adverse_event_update(event=event, by=request.user, data=data, version=version)


@router.post("/adverse-events/{uuid:public_id}/sign", response=schemas.AdverseEventOut)
def event_sign(request: AuthenticatedHttpRequest, public_id: UUID, payload: schemas.SignIn):
    event = event_for_user(request.user, public_id, "recovery.sign_adverseevent")
    return ae.adverse_event_sign(event=event, by=request.user, **payload.dict())


@router.post("/adverse-events/{uuid:public_id}/addenda", response={201: schemas.AddendumOut})
def event_addendum(request: AuthenticatedHttpRequest, public_id: UUID, payload: schemas.AddendumIn):
    event = event_for_user(request.user, public_id, "recovery.add_adverseeventaddendum")
    addendum = ae.adverse_event_addendum_add(event=event, by=request.user, **payload.dict())
    return 201, addendum

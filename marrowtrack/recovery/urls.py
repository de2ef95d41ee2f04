from django.urls import path

from marrowtrack.recovery.views import adverse, courses, worklist

app_name = "recovery"
urlpatterns = [
    path("", worklist.worklist, name="worklist"),
    path("tasks/<uuid:public_id>/", worklist.task_detail, name="task"),
    path("tasks/<uuid:public_id>/acknowledge/", worklist.task_acknowledge, name="task-ack"),
    path("tasks/<uuid:public_id>/resolve/", worklist.task_resolve, name="task-resolve"),
    path("tasks/<uuid:public_id>/adverse-event/", adverse.event_from_task, name="task-ae"),
    path("courses/", courses.course_list, name="courses"),
    path("courses/<uuid:public_id>/", courses.course_detail, name="course"),
    path("courses/<uuid:public_id>/stop/", courses.course_stop_view, name="course-stop"),
    path("courses/<uuid:public_id>/contact/", courses.course_contact, name="course-contact"),
    path("courses/<uuid:public_id>/discharge/", courses.discharge, name="discharge"),
    path(
        "courses/<uuid:public_id>/discharge.pdf", courses.discharge_download, name="discharge-pdf"
    ),
    path("check-ins/<uuid:public_id>/phone/", courses.checkin_phone, name="checkin-phone"),
    path("adverse-events/", adverse.event_list, name="ae-list"),
    path("plans/<uuid:public_id>/adverse-events/new/", adverse.event_for_plan, name="ae-new"),
    path("adverse-events/<uuid:public_id>/", adverse.event_detail, name="ae"),
    path("adverse-events/<uuid:public_id>/edit/", adverse.event_edit, name="ae-edit"),
    path("adverse-events/<uuid:public_id>/sign/", adverse.event_sign, name="ae-sign"),
    path("adverse-events/<uuid:public_id>/addendum/", adverse.event_addendum, name="ae-addendum"),
]

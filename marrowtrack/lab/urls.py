from django.urls import path

from marrowtrack.lab import views

app_name = "lab"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("trace/", views.trace, name="trace"),
    path("handoff/", views.handoff, name="handoff"),
    path("encounters/<uuid:public_id>/receive/", views.receive, name="receive"),
    path("encounters/<uuid:public_id>/run/", views.run_new, name="run-new"),
    path("encounters/<uuid:public_id>/labels.pdf", views.labels, name="labels"),
    path("runs/<uuid:public_id>/", views.run_detail, name="run"),
    path("runs/<uuid:public_id>/release/", views.run_release, name="run-release"),
    path("runs/<uuid:public_id>/late-results/", views.late_result, name="late-result"),
    path("containers/<str:din>/", views.container_detail, name="container"),
    path("containers/<str:din>/discard/", views.discard, name="discard"),
]

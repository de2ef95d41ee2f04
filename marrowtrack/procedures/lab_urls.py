"""Addresses of the lab bench's procedure-day pages (``lab_views``). ``config/urls.py``
mounts them in the ``lab`` namespace with the lab's own pages, under ``/lab/``."""

from django.urls import path

from marrowtrack.procedures import lab_views as views

urlpatterns = [
    path("", views.queue, name="queue"),
    path("trace/", views.trace, name="trace"),
    path("encounters/<uuid:public_id>/receive/", views.receive, name="receive"),
    path("encounters/<uuid:public_id>/run/", views.run_new, name="run-new"),
    path("encounters/<uuid:public_id>/labels.pdf", views.labels, name="labels"),
    path("runs/<uuid:public_id>/release/", views.run_release, name="run-release"),
]

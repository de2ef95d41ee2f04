"""Addresses of the lab's own pages. ``config/urls.py`` mounts them in the ``lab``
namespace together with ``procedures.lab_urls`` (the pages that act on a procedure day)."""

from django.urls import path

from marrowtrack.lab import views

urlpatterns = [
    path("handoff/", views.handoff, name="handoff"),
    path("returned/", views.receive_returned, name="receive-returned"),
    path("runs/<uuid:public_id>/", views.run_detail, name="run"),
    path("runs/<uuid:public_id>/late-results/", views.late_result, name="late-result"),
    path("containers/<uuid:public_id>/", views.container_detail, name="container"),
    path("containers/<uuid:public_id>/discard/", views.discard, name="discard"),
]

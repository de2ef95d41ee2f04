from django.urls import path

from marrowtrack.procedures import views
from marrowtrack.procedures.bedside import urls as bedside_urls

app_name = "procedures"
urlpatterns = [
    path("", views.board, name="board"),
    path("check-in/", views.check_in, name="check-in"),
    path("<uuid:public_id>/", views.encounter_detail, name="encounter"),
    path("<uuid:public_id>/step/<str:to>/", views.encounter_step, name="step"),
    path("<uuid:public_id>/lidocaine/", views.lidocaine, name="lidocaine"),
    path("<uuid:public_id>/harvest/", views.harvest, name="harvest"),
    path(
        "<uuid:public_id>/comparator-injection/",
        views.comparator_injection,
        name="comparator-injection",
    ),
    path("<uuid:public_id>/evidence/", views.evidence, name="evidence"),
    *bedside_urls.urlpatterns,
]

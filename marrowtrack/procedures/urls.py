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
    path("<uuid:public_id>/timeout/repeat/", views.timeout_repeat, name="timeout-repeat"),
    path(
        "<uuid:public_id>/alternative-agent/",
        views.alternative_agent,
        name="alternative-agent",
    ),
    path("<uuid:public_id>/harvest/", views.harvest, name="harvest"),
    path("<uuid:public_id>/harvest/amend/", views.harvest_amend, name="harvest-amend"),
    path(
        "<uuid:public_id>/comparator-injection/",
        views.comparator_injection,
        name="comparator-injection",
    ),
    path("<uuid:public_id>/evidence/", views.evidence, name="evidence"),
    path("<uuid:public_id>/note/", views.note, name="note"),
    path("<uuid:public_id>/note/sign/", views.note_sign, name="note-sign"),
    path("<uuid:public_id>/note/addenda/", views.note_addendum, name="note-addendum"),
    path("<uuid:public_id>/note.pdf", views.note_pdf, name="note-pdf"),
    *bedside_urls.urlpatterns,
]

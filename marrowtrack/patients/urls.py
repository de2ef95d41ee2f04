from django.urls import path

from marrowtrack.patients import views

app_name = "patients"
urlpatterns = [
    path("", views.patient_list, name="list"),
    path("register/", views.patient_register, name="register"),
    path("<uuid:public_id>/", views.patient_detail, name="detail"),
    path("<uuid:public_id>/edit/", views.patient_edit, name="edit"),
    path("<uuid:public_id>/archive/", views.patient_archive, name="archive"),
    path("<uuid:public_id>/<slug:kind>/add/", views.entry_add, name="entry-add"),
    path("<slug:kind>/<uuid:public_id>/edit/", views.entry_edit, name="entry-edit"),
    path("<slug:kind>/<uuid:public_id>/archive/", views.entry_archive, name="entry-archive"),
]

from django.urls import path

from marrowtrack.esign import views

app_name = "patient-mode"
urlpatterns = [
    path("leave/", views.patient_mode_leave, name="leave"),
]

from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "marrowtrack.patients"
    label = "patients"
    verbose_name = "Patients"

from django.apps import AppConfig


class ProceduresConfig(AppConfig):
    name = "marrowtrack.procedures"
    label = "procedures"

from django.apps import AppConfig


class EsignConfig(AppConfig):
    name = "marrowtrack.esign"
    label = "esign"
    verbose_name = "Electronic signatures"

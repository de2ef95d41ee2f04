from django.apps import AppConfig


class LabConfig(AppConfig):
    name = "marrowtrack.lab"
    label = "lab"

from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "marrowtrack.outcomes"
    label = "outcomes"

from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "marrowtrack.analytics"
    label = "analytics"

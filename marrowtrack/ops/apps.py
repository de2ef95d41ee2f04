from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "marrowtrack.ops"
    label = "ops"
    verbose_name = "MarrowTrack operations"

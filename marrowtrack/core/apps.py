from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "marrowtrack.core"
    label = "core"
    verbose_name = "MarrowTrack core"

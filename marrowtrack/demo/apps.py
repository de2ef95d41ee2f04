from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo clinic as an app only for its `marrowtrack demo` command: no models."""

    name = "marrowtrack.demo"
    label = "demo"
    verbose_name = "MarrowTrack demo clinic"

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "marrowtrack.web"
    label = "web"
    verbose_name = "Web layout"

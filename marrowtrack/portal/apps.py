from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "marrowtrack.portal"
    label = "portal"
    verbose_name = "Patient portal"

from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "marrowtrack.interop"
    label = "interop"
    verbose_name = "FHIR R4 interoperability"

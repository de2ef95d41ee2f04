from django.apps import AppConfig


class FacilitiesConfig(AppConfig):
    name = "marrowtrack.facilities"
    label = "facilities"
    verbose_name = "Rooms and equipment"

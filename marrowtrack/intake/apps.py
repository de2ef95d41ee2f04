from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "marrowtrack.intake"
    label = "intake"
    verbose_name = "Intake, eligibility, consent and booking"

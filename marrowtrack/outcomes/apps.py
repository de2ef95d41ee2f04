from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "marrowtrack.outcomes"
    label = "outcomes"

    def ready(self) -> None:
        from marrowtrack.intake.signals import plan_treated
        from marrowtrack.outcomes.receivers import schedule_on_plan_treated

        plan_treated.connect(schedule_on_plan_treated, dispatch_uid="outcomes-schedule")

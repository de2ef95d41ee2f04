from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "marrowtrack.outcomes"
    label = "outcomes"

    def ready(self) -> None:
        from marrowtrack.intake.signals import plan_approved, plan_treated
        from marrowtrack.outcomes.receivers import (
            baseline_on_plan_approved,
            schedule_on_plan_treated,
        )

        plan_approved.connect(baseline_on_plan_approved, dispatch_uid="outcomes-baseline")
        plan_treated.connect(schedule_on_plan_treated, dispatch_uid="outcomes-schedule")

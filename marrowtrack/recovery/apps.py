from django.apps import AppConfig


class RecoveryConfig(AppConfig):
    name = "marrowtrack.recovery"
    label = "recovery"
    verbose_name = "Recovery"

    def ready(self) -> None:
        from marrowtrack.intake.signals import plan_treated
        from marrowtrack.notifications import relevance
        from marrowtrack.recovery import notices
        from marrowtrack.recovery.receivers import course_on_plan_treated

        plan_treated.connect(course_on_plan_treated, dispatch_uid="recovery-course")
        for purpose in notices.PURPOSES:
            relevance.register(purpose, notices.checkin_message_reason)

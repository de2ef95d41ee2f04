from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "marrowtrack.ops"
    label = "ops"
    verbose_name = "MarrowTrack operations"

    def ready(self) -> None:
        from django.core.signals import request_finished

        from marrowtrack.ops.requestid import request_id_clear

        request_finished.connect(request_id_clear, dispatch_uid="ops.request_id_clear")

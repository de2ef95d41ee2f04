from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "marrowtrack.audit"
    label = "audit"
    verbose_name = "Audit trail"

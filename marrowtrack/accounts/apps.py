from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "marrowtrack.accounts"
    label = "accounts"
    verbose_name = "Staff and access"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from marrowtrack.accounts import signals  # noqa: F401 - connects the audit receivers
        from marrowtrack.accounts.roles import roles_sync_after_migrate

        # Groups and their permissions are declared in code and synced after every migrate.
        post_migrate.connect(roles_sync_after_migrate, sender=self)

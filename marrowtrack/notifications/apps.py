from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "marrowtrack.notifications"
    label = "notifications"
    verbose_name = "Notifications"

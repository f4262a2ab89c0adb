from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "dangjian.notifications"
    label = "notifications"
    verbose_name = "通知"

    def ready(self):
        from dangjian.notifications import checks  # noqa: F401  (registers the system checks)

from django.apps import AppConfig


class DevelopmentConfig(AppConfig):
    name = "dangjian.development"
    label = "development"
    verbose_name = "发展党员"

    def ready(self):
        from dangjian.notifications.categories import register

        register("development", "发展党员")

from django.apps import AppConfig


class DuesConfig(AppConfig):
    name = "dangjian.dues"
    label = "dues"
    verbose_name = "党费"

    def ready(self):
        from dangjian.notifications.categories import register

        register("dues", "党费")

from django.apps import AppConfig


class OfficeConfig(AppConfig):
    name = "dangjian.office"
    label = "office"
    verbose_name = "工作任务"

    def ready(self):
        from dangjian.notifications.categories import register

        register("office", "工作任务")

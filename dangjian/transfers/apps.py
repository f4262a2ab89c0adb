from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "dangjian.transfers"
    label = "transfers"
    verbose_name = "组织关系转接"

    def ready(self):
        from dangjian.notifications.categories import register

        register("transfers", "组织关系转接")

from django.apps import AppConfig


class AppraisalsConfig(AppConfig):
    name = "dangjian.appraisals"
    label = "appraisals"
    verbose_name = "民主评议党员"

    def ready(self):
        from dangjian.notifications.categories import register

        register("appraisals", "民主评议党员")

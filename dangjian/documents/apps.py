from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "dangjian.documents"
    label = "documents"
    verbose_name = "公文签收"

    def ready(self):
        from dangjian.notifications.categories import register

        register("documents", "公文")

from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "dangjian.search"
    label = "search"
    verbose_name = "全文检索"

    def ready(self):
        from dangjian.search import receivers

        receivers.connect()

from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "dangjian.assessment"
    label = "assessment"
    verbose_name = "考核系统"

    def ready(self):
        from dangjian.assessment import sources
        from dangjian.notifications.categories import register

        register("assessment", "考核")
        sources.autodiscover()

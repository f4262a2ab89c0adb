from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "dangjian.meetings"
    label = "meetings"
    verbose_name = "组织生活"

    def ready(self):
        from dangjian.notifications.categories import register

        register("meetings", "组织生活")
        register("terms", "换届提醒")
        # `sweeps.py` is autodiscovered; these sweeps live in their own modules.
        from dangjian.meetings import sweeps_terms, sweeps_upcoming  # noqa: F401

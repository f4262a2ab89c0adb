from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "dangjian.members"
    label = "members"
    verbose_name = "党员"

    def ready(self):
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("member_tabs")

from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class CoreConfig(AppConfig):
    name = "dangjian.core"
    label = "core"
    verbose_name = "平台核心"

    def ready(self):
        from dangjian.core import checks  # noqa: F401  (registers the system checks)

        # Each app declares its permission codes, rules and periodic sweeps in these modules.
        autodiscover_modules("permissions")
        autodiscover_modules("rules")
        autodiscover_modules("sweeps")
        autodiscover_modules("navigation")

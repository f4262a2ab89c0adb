from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "dangjian.portal"
    label = "portal"
    verbose_name = "门户与信息交流"

    def ready(self):
        from dangjian.notifications.categories import register

        register("portal", "门户稿件")
        # Receivers of `portal.signals` (the home-page cache) and the sweeps module.
        from dangjian.portal import receivers  # noqa: F401

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_rate_table(sender, apps=None, **kwargs):
    """After every migrate and every flush (a transactional test's teardown emits
    post_migrate): the built-in rate table of migration 0002 is reference data that a flush
    empties; without it no dues can be computed."""
    from django.apps import apps as registry

    from dangjian.dues.services.rates import load_builtin

    apps = apps or registry  # a flush sends post_migrate without the migration state
    try:
        models = [apps.get_model("dues", name) for name in ("RateTable", "RateBand", "FixedRate")]
    except LookupError:  # migrated back below 0001
        return
    load_builtin(*models)


class DuesConfig(AppConfig):
    name = "dangjian.dues"
    label = "dues"
    verbose_name = "党费"

    def ready(self):
        from dangjian.notifications.categories import register

        register("dues", "党费")
        post_migrate.connect(_ensure_rate_table, sender=self, dispatch_uid="dues_rate_table")

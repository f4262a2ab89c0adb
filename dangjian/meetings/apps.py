from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_defaults(sender, apps=None, **kwargs):
    """After every migrate and every flush: the built-in meeting types and rules of migration
    0002 are reference data that a flush empties (`ensure_defaults` is idempotent)."""
    from django.apps import apps as registry

    from dangjian.meetings.defaults import ensure_defaults

    apps = apps or registry  # a flush sends post_migrate without the migration state
    try:
        apps.get_model("meetings", "ComplianceProfile")
    except LookupError:
        return
    ensure_defaults(apps)


class MeetingsConfig(AppConfig):
    name = "dangjian.meetings"
    label = "meetings"
    verbose_name = "组织生活"

    def ready(self):
        from dangjian.notifications.categories import register

        register("meetings", "组织生活")
        register("terms", "换届提醒")
        post_migrate.connect(_ensure_defaults, sender=self, dispatch_uid="meeting_defaults")
        # `sweeps.py` is autodiscovered; these sweeps live in their own modules.
        from dangjian.meetings import sweeps_terms, sweeps_upcoming  # noqa: F401

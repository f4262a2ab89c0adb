from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "dangjian.accounts"
    label = "accounts"
    verbose_name = "账号与权限"

    def ready(self):
        from dangjian.accounts.roles import ensure_builtin_roles

        # Built-in roles are reference data that must match the code after every migrate.
        post_migrate.connect(ensure_builtin_roles, sender=self, dispatch_uid="builtin_roles")

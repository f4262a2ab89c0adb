"""The built-in rate table of 中组发〔2008〕3号 (domain §2.1), in force from 2008-04-01. The
numbers live in `dues.services.rates` (a regulation of 2008 that will not change; a later table
is a new version)."""

from django.db import migrations


def load(apps, schema_editor):
    from dangjian.dues.services.rates import load_builtin

    load_builtin(
        apps.get_model("dues", "RateTable"),
        apps.get_model("dues", "RateBand"),
        apps.get_model("dues", "FixedRate"),
    )


class Migration(migrations.Migration):
    dependencies = [("dues", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

from django.db import migrations


def forwards(apps, schema_editor):
    from dangjian.meetings.defaults import ensure_defaults

    ensure_defaults(apps)


class Migration(migrations.Migration):
    dependencies = [("meetings", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

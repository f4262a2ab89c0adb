"""Fill the new `Person.organization` (the record's scope) from the membership, and the mobile
lookup hash from the encrypted mobile."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def fill(apps, schema_editor):
    person_model = apps.get_model("members", "Person")
    member_model = apps.get_model("members", "Member")
    holder = member_model.objects.filter(person_id=OuterRef("pk")).values("organization_id")[:1]
    person_model.objects.filter(organization__isnull=True).update(organization=Subquery(holder))
    from dangjian.core.crypto import lookup_hash

    for person in person_model.objects.exclude(mobile="").only("pk", "mobile").iterator():
        person_model.objects.filter(pk=person.pk).update(mobile_hash=lookup_hash(person.mobile))


class Migration(migrations.Migration):
    dependencies = [("members", "0005_member_records")]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]

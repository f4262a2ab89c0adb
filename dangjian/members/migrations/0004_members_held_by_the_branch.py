"""Members recorded as held by a 党小组 are held by its branch and organised in the group.

Databases seeded before `Member.party_group` existed put members in the 党小组 itself; the
membership belongs to the branch above it (《中国共产党支部工作条例（试行）》). The branch's and
its ancestors' counts cover the same people either way, so no count changes.
"""

from django.db import migrations
from django.db.models import F

STEP = 4  # Organization.steplen


def forwards(apps, schema_editor):
    Member = apps.get_model("members", "Member")
    Organization = apps.get_model("orgs", "Organization")
    in_groups = Member.objects.filter(organization__org_type="group")
    in_groups.update(party_group=F("organization"))
    groups = list(
        Organization.objects.filter(org_type="group", members__isnull=False)
        .distinct()
        .values_list("pk", "path")
    )
    branches = dict(
        Organization.objects.filter(path__in={path[:-STEP] for _, path in groups}).values_list(
            "path", "pk"
        )
    )
    for pk, path in groups:
        Member.objects.filter(organization_id=pk).update(organization_id=branches[path[:-STEP]])


def backwards(apps, schema_editor):
    Member = apps.get_model("members", "Member")
    Member.objects.filter(party_group__isnull=False).update(organization=F("party_group"))


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0003_member_party_group"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]

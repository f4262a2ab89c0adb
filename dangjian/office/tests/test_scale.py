"""A task opened to a subtree of 1 010 organisations: assignments written in batches of 1 000,
a fixed number of queries however many organisations, and the pages stay flat."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dangjian.notifications.models import Notification
from dangjian.office import services
from dangjian.office.services import TargetSpec
from dangjian.orgs.models import Organization, OrgType

MANY = 1010


@pytest.fixture
def dw(module_dw, db):
    return module_dw


def _branches(parent, count: int, first_step: int = 100):
    """Branches under `parent` written in bulk (materialised paths set directly)."""
    rows = [
        Organization(
            org_type=OrgType.BRANCH,
            name=f"批量{i}党支部",
            code=f"BULK-{i}",
            depth=parent.depth + 1,
            path=Organization._get_path(parent.path, parent.depth + 1, first_step + i),
        )
        for i in range(count)
    ]
    Organization.objects.bulk_create(rows, batch_size=500)


def _other(captured) -> int:
    insert = 'INSERT INTO "office_taskassignment"'
    return sum(1 for query in captured.captured_queries if not query["sql"].startswith(insert))


def _draft(dw):
    return services.task_create(
        actor=dw.oscar,
        organization=dw.mine,
        data={"title": "全矿报送", "deadline": timezone.now() + dt.timedelta(days=3)},
    )


def test_open_to_many_organisations_in_a_fixed_number_of_queries(dw, client):
    small = _draft(dw)
    with CaptureQueriesContext(connection) as few:
        services.task_open(
            actor=dw.oscar, task=small, targets=[TargetSpec(dw.mine, include_subtree=True)]
        )
    _branches(dw.mine, MANY)
    task = _draft(dw)
    with CaptureQueriesContext(connection) as many:
        count = services.task_open(
            actor=dw.oscar,
            task=task,
            targets=[TargetSpec(dw.mine, include_subtree=True, org_type="branch")],
        )
    assert count == MANY + 2
    task.refresh_from_db()
    assert task.assignee_count == task.assignments.count() == MANY + 2
    # Apart from the INSERTs of assignments (1 000 a statement on PostgreSQL; SQLite's
    # parameter limit splits them further), one more read of the holders per 900 paths.
    assert _other(many) <= _other(few) + 2
    # Bulk branches have no handler of their own: the mine's office holders are told.
    assert Notification.objects.filter(recipient=dw.oscar, title__contains="全矿报送").exists()

    client.force_login(dw.oscar)
    for url in (reverse("office:tasks"), reverse("office:task_detail", args=[task.pk])):
        client.get(url)
        with CaptureQueriesContext(connection) as page:
            assert client.get(url).status_code == 200
        assert len(page) < 20, url

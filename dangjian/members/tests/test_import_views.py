"""The import pages: who sees what (a batch only inside its organisation's scope, 404
otherwise), the upload → preview → confirm → undo flow through HTTP, and the list's queries."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.members.importing.samples import roster_bytes, roster_rows
from dangjian.members.importing.services import batch_upload
from dangjian.members.models import ImportBatch, Person

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def roster_file(world, count=4, name="综采一队名册.xlsx", bad=True):
    rows = roster_rows(branches=[world.branch1], count=count, seed=count)
    if bad:
        rows[0]["姓名"] = ""
    return SimpleUploadedFile(name, roster_bytes(rows), content_type=XLSX)


@pytest.fixture
def batch(world, django_capture_on_commit_callbacks):
    """Bob's previewed roster of branch 1: 4 rows, one without a name."""
    with django_capture_on_commit_callbacks(execute=True):
        made = batch_upload(actor=world.bob, organization=world.branch1, upload=roster_file(world))
    made.refresh_from_db()
    assert made.status == ImportBatch.Status.PREVIEWED
    return made


def state(batch):
    return lambda: (
        ImportBatch.objects.filter(pk=batch.pk).values_list("status", flat=True).first(),
        Person.objects.count(),
    )


def test_the_list_shows_batches_in_scope_only(client, world, batch):
    result = assert_access_matrix(
        client,
        url=reverse("members:import_list"),
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect={"out_of_scope": 200, "no_role": 403},
    )
    assert batch.file_name in result.responses["in_scope"].content.decode()
    assert batch.file_name not in result.responses["out_of_scope"].content.decode()
    client.force_login(world.bob)
    assert batch.file_name in client.get(reverse("members:import_list")).content.decode()


def test_the_list_runs_the_same_queries_for_twice_the_batches(
    client, world, django_assert_max_num_queries
):
    def add(count):
        for index in range(count):
            ImportBatch.objects.create(
                organization=world.branch1,
                file_name=f"名册{index}.xlsx",
                created_by=world.bob,
                status=ImportBatch.Status.IMPORTED,
                total_rows=10,
            )

    client.force_login(world.alice)
    add(5)
    with django_assert_max_num_queries(20) as first:
        client.get(reverse("members:import_list"))
    add(10)
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = client.get(reverse("members:import_list"))
    assert response.content.decode().count("名册") >= 15


def test_the_new_page_and_the_template_need_the_manage_permission(client, world):
    for name in ("members:import_new", "members:import_template"):
        assert_access_matrix(
            client,
            url=reverse(name),
            in_scope=world.bob,
            out_of_scope=world.dave,
            no_role=world.charlie,
            expect={"out_of_scope": 200, "no_role": 403},
        )


def test_the_template_downloads_as_an_xlsx(client, world):
    client.force_login(world.bob)
    response = client.get(reverse("members:import_template"))
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"PK")


def test_nobody_uploads_into_an_organisation_outside_their_scope(client, world):
    client.force_login(world.dave)
    response = client.post(
        reverse("members:import_new"),
        {"organization": world.branch1.pk, "file": roster_file(world)},
    )
    assert response.status_code == 200
    assert "organization" in response.context["form"].errors
    assert not ImportBatch.objects.exists()


def test_an_xls_upload_says_how_to_save_it_as_xlsx(client, world):
    client.force_login(world.bob)
    xls = SimpleUploadedFile("名册.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64)
    response = client.post(
        reverse("members:import_new"), {"organization": world.branch1.pk, "file": xls}
    )
    assert "另存为" in response.content.decode()
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize("name", ["members:import_detail", "members:import_rejected"])
def test_a_batch_is_seen_only_in_its_scope(client, world, batch, name):
    for user in (world.alice, world.bob):
        assert_access_matrix(
            client,
            url=reverse(name, args=[batch.pk]),
            in_scope=user,
            out_of_scope=world.dave,
            no_role=world.charlie,
        )


@pytest.mark.parametrize("name", ["members:import_confirm", "members:import_discard"])
def test_confirm_and_discard_are_refused_outside_the_scope(
    client, world, batch, name, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert_access_matrix(
            client,
            url=reverse(name, args=[batch.pk]),
            method="post",
            data={},
            in_scope=world.bob,
            out_of_scope=world.dave,
            no_role=world.charlie,
            expect={"in_scope": 302},
            state=state(batch),
        )
    batch.refresh_from_db()
    expected = "imported" if name == "members:import_confirm" else "discarded"
    assert batch.status == expected


def test_undo_is_refused_outside_the_scope(
    client, world, batch, django_capture_on_commit_callbacks
):
    client.force_login(world.bob)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("members:import_confirm", args=[batch.pk]))
    assert_access_matrix(
        client,
        url=reverse("members:import_undo", args=[batch.pk]),
        method="post",
        data={},
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect={"in_scope": 302},
        state=state(batch),
    )
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.UNDONE


def test_the_whole_flow_through_the_pages(client, world, django_capture_on_commit_callbacks):
    client.force_login(world.bob)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("members:import_new"),
            {"organization": world.branch1.pk, "file": roster_file(world, count=6)},
        )
    batch = ImportBatch.objects.get()
    assert response["Location"] == reverse("members:import_detail", args=[batch.pk])
    page = client.get(response["Location"]).content.decode()
    assert "还没有写入任何数据" in page and "第 2 行" in page and "姓名不能为空" in page
    assert "确认导入 5 行" in page

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("members:import_confirm", args=[batch.pk]))
    again = client.post(reverse("members:import_confirm", args=[batch.pk]), follow=True)
    assert "已经确认导入，不会重复导入" in again.content.decode()
    batch.refresh_from_db()
    assert (batch.status, batch.created_count) == ("imported", 5)
    assert "撤销本次导入" in again.content.decode()

    rejected = client.get(reverse("members:import_rejected", args=[batch.pk]))
    assert rejected["Content-Type"] == XLSX

    undone = client.post(reverse("members:import_undo", args=[batch.pk]), follow=True)
    assert "已撤销本次导入" in undone.content.decode()
    assert not Person.objects.exists()


def test_the_progress_partial_polls_until_the_batch_is_done(client, world, batch):
    client.force_login(world.bob)
    url = reverse("members:import_detail", args=[batch.pk])
    assert client.get(url, HTTP_HX_REQUEST="true")["HX-Refresh"] == "true"
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.VALIDATING)
    partial = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in partial and "正在逐行检查" in partial

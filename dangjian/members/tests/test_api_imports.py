"""`/api/v1/member-imports/`: upload, preview, confirm, undo, discard, downloads, scope."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook
from rest_framework.authtoken.models import Token

from dangjian.audit.models import AuditEntry
from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.members.importing.samples import roster_bytes, roster_rows
from dangjian.members.models import ImportBatch, Member

IMPORTS = "/api/v1/member-imports/"
LIST = {"no_role": 200, "out_of_scope": 200}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def batch_url(batch, suffix=""):
    return f"{IMPORTS}{batch.pk}/{suffix}"


def ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def roster(branch, count=6, bad=(2,)):
    """A roster of `count` rows for the branch, the rows in `bad` with a broken ID number."""
    rows = roster_rows(branches=[branch], count=count, seed=count)
    for index in bad:
        rows[index]["身份证号"] = rows[index]["身份证号"][:-1] + (
            "0" if rows[index]["身份证号"][-1] != "0" else "1"
        )
    return SimpleUploadedFile("一支部名册.xlsx", roster_bytes(rows), content_type=XLSX)


def upload(client, user, branch, callbacks, **options):
    client.force_login(user)
    with callbacks(execute=True):
        response = client.post(
            IMPORTS, {"organization": branch.pk, "file": roster(branch, **options)}
        )
    client.logout()
    assert response.status_code == 201, response.content
    return ImportBatch.objects.get(pk=response.json()["id"])


@pytest.fixture
def previewed(client, world, django_capture_on_commit_callbacks):
    return upload(client, world.bob, world.branch1, django_capture_on_commit_callbacks)


@pytest.fixture
def imported(client, world, previewed, django_capture_on_commit_callbacks):
    client.force_login(world.bob)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(batch_url(previewed, "confirm/")).status_code == 200
    client.logout()
    previewed.refresh_from_db()
    return previewed


def batch_state():
    return (
        list(ImportBatch.objects.order_by("pk").values("pk", "status")),
        Member.objects.count(),
    )


# --- reads ---------------------------------------------------------------------------------------


def test_import_list_matrix(client, world, previewed, django_capture_on_commit_callbacks):
    other = upload(client, world.dave, world.branch3, django_capture_on_commit_callbacks)
    result = assert_access_matrix(
        client,
        url=IMPORTS,
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
        api=True,
        expect=LIST,
    )
    assert ids(result.responses["in_scope"]) == {str(previewed.pk)}
    assert ids(result.responses["out_of_scope"]) == {str(other.pk)}
    assert ids(result.responses["no_role"]) == set()


def test_import_detail_matrix_and_the_preview(client, world, previewed):
    result = assert_access_matrix(
        client,
        url=batch_url(previewed),
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
        api=True,
    )
    body = result.responses["in_scope"].json()
    assert body["status"] == "previewed"
    assert body["status_display"] == "待确认"
    assert (body["total_rows"], body["valid_rows"], body["rejected_rows"]) == (6, 5, 1)
    assert body["created_count"] == 5
    assert body["file_name"] == "一支部名册.xlsx"
    assert body["organization"]["id"] == world.branch1.pk
    assert body["job"]["status"] == "done"
    assert body["job"]["percent"] == 100
    [problem] = body["errors"]
    assert problem["row"] == 4  # the header is row 1
    assert problem["column"] == "身份证号"
    assert "校验位" in problem["message"]
    assert Member.objects.count() == 0  # a preview writes nothing


def test_a_malformed_batch_id_is_a_404(client, world):
    client.force_login(world.alice)
    assert client.get(f"{IMPORTS}not-a-uuid/").status_code == 404
    assert client.get(f"{IMPORTS}00000000-0000-0000-0000-000000000000/").status_code == 404


def test_a_bearer_token_reads_the_batches(client, world, previewed):
    token = Token.objects.create(user=world.bob)
    response = client.get(IMPORTS, HTTP_AUTHORIZATION=f"Bearer {token.key}")
    assert ids(response) == {str(previewed.pk)}


def test_import_list_filters(client, world, previewed):
    client.force_login(world.alice)
    assert ids(client.get(IMPORTS, {"status": "previewed"})) == {str(previewed.pk)}
    assert ids(client.get(IMPORTS, {"status": "imported"})) == set()
    assert client.get(IMPORTS, {"status": "nonsense"}).status_code == 400


def test_import_list_queries_do_not_grow_with_rows(
    client, world, django_capture_on_commit_callbacks
):
    def count():
        client.force_login(world.alice)
        client.get(IMPORTS)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(IMPORTS, {"page_size": 200}).status_code == 200
        client.logout()
        return len(queries.captured_queries)

    for _ in range(2):
        upload(
            client, world.bob, world.branch1, django_capture_on_commit_callbacks, count=2, bad=(1,)
        )
    few = count()
    for _ in range(4):
        upload(
            client, world.bob, world.branch1, django_capture_on_commit_callbacks, count=2, bad=(1,)
        )
    assert count() == few
    assert few <= 6


# --- upload --------------------------------------------------------------------------------------


def test_upload_matrix(client, world, django_capture_on_commit_callbacks):
    data = {"organization": world.branch1.pk, "file": roster(world.branch1)}
    cases = {"no_role": world.charlie, "out_of_scope": world.dave}
    for case, user in cases.items():
        client.force_login(user)
        before = batch_state()
        data["file"].seek(0)
        response = client.post(IMPORTS, data)
        assert response.status_code == {"no_role": 403, "out_of_scope": 400}[case], case
        assert batch_state() == before
    client.logout()
    assert client.post(IMPORTS, data).status_code == 401
    batch = upload(client, world.bob, world.branch1, django_capture_on_commit_callbacks)
    assert batch.created_by == world.bob
    assert AuditEntry.objects.filter(action="members.import_upload").count() == 1


def test_uploading_a_file_that_is_not_a_workbook_is_a_400_in_chinese(client, world):
    client.force_login(world.bob)
    fake = SimpleUploadedFile("名册.xlsx", "姓名,身份证号\n张三,1\n".encode(), content_type=XLSX)
    before = batch_state()
    response = client.post(IMPORTS, {"organization": world.branch1.pk, "file": fake})
    assert response.status_code == 400
    assert "另存为" in response.json()["error"]["message"]
    assert batch_state() == before


def test_an_upload_without_a_file_names_the_field(client, world):
    client.force_login(world.bob)
    response = client.post(IMPORTS, {"organization": world.branch1.pk})
    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) == {"file"}


# --- confirm, undo, discard ----------------------------------------------------------------------


def test_confirm_matrix(client, world, previewed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = assert_access_matrix(
            client,
            url=batch_url(previewed, "confirm/"),
            method="post",
            in_scope=world.bob,
            out_of_scope=world.dave,
            no_role=world.charlie,
            api=True,
            state=batch_state,
        )
    assert result.responses["in_scope"].json()["status"] == "importing"
    previewed.refresh_from_db()
    assert previewed.status == ImportBatch.Status.IMPORTED
    assert Member.objects.filter(organization=world.branch1).count() == 5


def test_confirming_twice_writes_once_and_says_so(client, world, imported):
    client.force_login(world.bob)
    response = client.post(batch_url(imported, "confirm/"))
    assert response.status_code == 400
    assert "不会重复导入" in response.json()["error"]["message"]
    assert Member.objects.count() == 5


def test_the_imported_members_are_found_through_the_api(client, world, imported):
    client.force_login(world.bob)
    members = client.get("/api/v1/members/").json()
    assert members["count"] == 5
    assert all("*" in row["person"]["id_number"] for row in members["results"])


def test_undo_matrix(client, world, imported):
    result = assert_access_matrix(
        client,
        url=batch_url(imported, "undo/"),
        method="post",
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
        api=True,
        state=batch_state,
    )
    assert result.responses["in_scope"].json()["status"] == "undone"
    assert Member.objects.count() == 0


def test_discard_matrix(client, world, previewed):
    result = assert_access_matrix(
        client,
        url=batch_url(previewed, "discard/"),
        method="post",
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
        api=True,
        state=batch_state,
    )
    assert result.responses["in_scope"].json()["status"] == "discarded"


def test_a_batch_not_yet_imported_cannot_be_undone(client, world, previewed):
    client.force_login(world.bob)
    before = batch_state()
    response = client.post(batch_url(previewed, "undo/"))
    assert response.status_code == 400
    assert "待确认" in response.json()["error"]["message"]
    assert batch_state() == before


def test_the_actions_are_post_only(client, world, previewed):
    client.force_login(world.bob)
    for action in ("confirm/", "undo/", "discard/"):
        assert client.get(batch_url(previewed, action)).status_code == 405
    assert client.delete(batch_url(previewed)).status_code == 405


# --- downloads -----------------------------------------------------------------------------------


def test_rejected_rows_matrix(client, world, previewed):
    result = assert_access_matrix(
        client,
        url=batch_url(previewed, "rejected/"),
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
        api=True,
        state=lambda: AuditEntry.objects.filter(action="members.import_rejected_export").count(),
    )
    response = result.responses["in_scope"]
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len([row for row in rows if any(row)]) >= 2  # a header and the one bad row
    assert "校验位" in str(rows)
    assert AuditEntry.objects.filter(action="members.import_rejected_export").count() == 1


def test_a_batch_without_problems_has_no_rejected_rows(
    client, world, django_capture_on_commit_callbacks
):
    clean = upload(client, world.bob, world.branch1, django_capture_on_commit_callbacks, bad=())
    client.force_login(world.bob)
    response = client.get(batch_url(clean, "rejected/"))
    assert response.status_code == 400
    assert "没有问题行" in response.json()["error"]["message"]


def test_template_matrix(client, world):
    result = assert_access_matrix(
        client,
        url=f"{IMPORTS}template/",
        in_scope=world.bob,
        no_role=world.charlie,
        api=True,
        expect={"no_role": 403},
    )
    response = result.responses["in_scope"]
    assert response["Content-Type"] == XLSX
    headers = [cell.value for cell in load_workbook(BytesIO(response.content)).worksheets[0][1]]
    assert any(header and "身份证号" in header for header in headers)

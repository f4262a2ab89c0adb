"""Guide pages and API: permission matrices, a sibling subtree answering 404, query-count
guards, the HTTP flow (write, upload, publish, withdraw) and double submission."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.meetings.models import Guide, GuideFile
from dangjian.meetings.services import guides as services
from dangjian.meetings.tests.test_guides_services import MONTH, PDF, make_guide

pytestmark = pytest.mark.django_db


def _state():
    return (list(Guide.objects.values()), list(GuideFile.objects.values()))


def test_detail_matrix_a_branch_reads_its_ancestors_guide(client, world):
    guide = make_guide(world)
    assert_access_matrix(
        client,
        url=reverse("meetings:guide_detail", args=[guide.pk]),
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
    )


def test_a_draft_is_hidden_below_and_edit_is_for_the_publisher(client, world):
    draft = make_guide(world, publish=False)
    client.force_login(world.bob)
    assert client.get(reverse("meetings:guide_detail", args=[draft.pk])).status_code == 404
    published = make_guide(world, title="已发布")
    assert client.get(reverse("meetings:guide_edit", args=[published.pk])).status_code == 404
    client.force_login(world.alice)
    assert client.get(reverse("meetings:guide_edit", args=[published.pk])).status_code == 200


@pytest.mark.parametrize("name", ["meetings:guide_publish", "meetings:guide_withdraw"])
def test_write_matrix(client, world, name):
    guide = make_guide(world, publish=name == "meetings:guide_withdraw")
    assert_access_matrix(
        client,
        url=reverse(name, args=[guide.pk]),
        method="post",
        data={},
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.bob,  # reads it (once published) but may not manage it
        expect={"in_scope": 302},
        state=lambda: list(Guide.objects.values_list("status", flat=True)),
    )
    guide.refresh_from_db()
    assert guide.status == ("withdrawn" if name.endswith("withdraw") else "published")


def test_create_matrix(client, world):
    assert_access_matrix(
        client, url=reverse("meetings:guide_create"), in_scope=world.alice, no_role=world.bob
    )


def test_list_pages_count_queries_the_same_for_n_and_3n_guides(client, world):
    client.force_login(world.bob)
    url = reverse("meetings:guides")
    for index in range(2):
        make_guide(world, title=f"指南{index}", month=date(2026, index + 1, 1))
    client.get(url)  # the session and the user's scope are loaded once per login
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for index in range(2, 6):
        make_guide(world, title=f"指南{index}", month=date(2026, index + 1, 1))
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(few) == len(many)
    assert response.content.decode().count("指南") >= 6


def test_list_filters_by_month_and_answers_bad_input_calmly(client, world):
    make_guide(world, title="十二月")
    make_guide(world, title="一月", month=date(2027, 1, 1))
    client.force_login(world.bob)
    page = client.get(reverse("meetings:guides"), {"month": "2027-01"}).content.decode()
    assert "一月" in page and "十二月" not in page
    assert client.get(reverse("meetings:guides"), {"month": "x", "page": "zz"}).status_code == 200
    client.force_login(world.charlie)
    assert client.get(reverse("meetings:guides")).status_code == 404


def test_write_upload_publish_through_the_pages(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(world.alice)
    form = client.get(reverse("meetings:guide_create"))
    token = form.context["form_token"]
    data = {
        "form_token": token,
        "organization": world.mine.pk,
        "month": "2026-12",
        "title": "十二月组织生活指南",
        "body": "一、学习\n二、主题党日",
        "topic-TOTAL_FORMS": "2",
        "topic-INITIAL_FORMS": "0",
        "topic-0-category": "theme_day",
        "topic-0-title": "重温入党誓词",
        "topic-0-description": "",
        "topic-1-category": "",
        "topic-1-title": "",
        "topic-1-description": "",
    }
    response = client.post(reverse("meetings:guide_create"), data)
    assert response.status_code == 302
    again = client.post(reverse("meetings:guide_create"), data)  # the double click
    assert again.status_code == 302 and Guide.objects.count() == 1
    guide = Guide.objects.get()
    assert (
        guide.month == MONTH and guide.topics.count() == 1 and "<p>二、主题党日</p>" in guide.body
    )
    upload = SimpleUploadedFile("材料.pdf", PDF, content_type="application/pdf")
    client.post(reverse("meetings:guide_upload", args=[guide.pk]), {"file": upload})
    stored = guide.files.get()
    client.post(reverse("meetings:guide_publish", args=[guide.pk]))
    client.force_login(world.bob)
    page = client.get(reverse("meetings:guide_detail", args=[guide.pk])).content.decode()
    assert "重温入党誓词" in page and "材料" in page
    download = client.get(reverse("meetings:guide_file", args=[guide.pk, stored.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    client.force_login(world.dave)
    assert client.get(reverse("meetings:guide_file", args=[guide.pk, stored.pk])).status_code == 404


def test_an_invalid_form_says_what_to_fix(client, world):
    client.force_login(world.alice)
    response = client.post(
        reverse("meetings:guide_create"),
        {"organization": world.mine2.pk, "month": "", "title": "", "topic-TOTAL_FORMS": "0",
         "topic-INITIAL_FORMS": "0"},
    )  # fmt: skip
    assert response.status_code == 400
    page = response.content.decode()
    assert "不在您可以发布指南的范围内" in page and "请填写指南标题" in page


def test_api_lists_reaching_guides_and_hides_other_subtrees(client, world):
    mine = make_guide(world, title="一矿")
    other = make_guide(world, world.mine2, world.dave, title="二矿")
    client.force_login(world.bob)
    listed = client.get("/api/v1/meetings/guides/").json()
    assert [row["title"] for row in listed["results"]] == ["一矿"]
    assert listed["results"][0]["topics"][0]["category"] == "theme_day"
    assert client.get(f"/api/v1/meetings/guides/{other.pk}/").status_code == 404
    assert client.get(f"/api/v1/meetings/guides/{mine.pk}/").status_code == 200
    assert client.post(f"/api/v1/meetings/guides/{mine.pk}/withdraw/").status_code == 403
    assert client.get("/api/v1/meetings/guides/", {"month": "12-2026"}).status_code == 400


def test_api_publish_by_the_publisher(client, world):
    guide = make_guide(world, publish=False)
    client.force_login(world.alice)
    response = client.post(f"/api/v1/meetings/guides/{guide.pk}/publish/")
    assert response.status_code == 200 and response.json()["status"] == "published"
    services.guide_withdraw(actor=world.alice, guide=guide)
    response = client.post(f"/api/v1/meetings/guides/{guide.pk}/withdraw/")
    assert response.status_code == 400 and "只有已发布" in response.json()["error"]["message"]


def test_api_list_counts_queries_the_same_for_n_and_3n_guides(client, world):
    client.force_login(world.bob)
    for index in range(2):
        make_guide(world, title=f"指南{index}", month=date(2026, index + 1, 1))
    client.get("/api/v1/meetings/guides/")
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/meetings/guides/")
    for index in range(2, 6):
        make_guide(world, title=f"指南{index}", month=date(2026, index + 1, 1))
    with CaptureQueriesContext(connection) as many:
        body = client.get("/api/v1/meetings/guides/").json()
    assert len(few) == len(many) and body["count"] == 6

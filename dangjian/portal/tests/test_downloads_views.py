"""Downloads pages: reading (list, item, file) per person, management flows through the forms,
404 outside scope, Chinese messages for bad input, query-count guards."""

import pytest
from django.db import transaction

from dangjian.core.navigation import menu_for
from dangjian.portal.models import DownloadFolder, DownloadItem, Visibility
from dangjian.portal.services import downloads as services
from dangjian.portal.testing import build_portal_world
from dangjian.portal.tests.media_files import PDF_BYTES, docx_bytes, mp4_bytes, upload

PUBLIC, MEMBERS, ORGS = Visibility.PUBLIC, Visibility.MEMBERS, Visibility.ORGANIZATIONS


class Data:
    def __init__(self, w):
        self.w = w
        site = w.mine_site
        self.f_public = services.folder_create(
            actor=w.frank, site=site, name="表格模板", visibility=PUBLIC
        )
        self.f_mine = services.folder_create(
            actor=w.frank, site=site, name="一矿内部", visibility=ORGS, audience=[w.mine]
        )
        self.public_item = services.item_create(
            actor=w.frank, folder=self.f_public, title="入党申请书模板", visibility=PUBLIC,
            file=upload("a.docx", docx_bytes("第一版")),
        )  # fmt: skip
        services.version_add(
            actor=w.frank, item=self.public_item, file=upload("b.docx", docx_bytes("第二版")),
            note="新格式",
        )  # fmt: skip
        self.mine_item = services.item_create(
            actor=w.frank, folder=self.f_mine, title="一矿学习视频", visibility=MEMBERS,
            file=upload("v.mp4", mp4_bytes(payload=3000)),
        )  # fmt: skip
        self.base = f"/s/{site.code}/downloads/"
        self.manage = f"/portal/downloads/manage/{site.code}/"

    def __getattr__(self, name):
        return getattr(self.w, name)


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield Data(build_portal_world())
        transaction.set_rollback(True)


@pytest.fixture
def data(built, db):
    return built


def _as(client, user):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# --- reading ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("viewer", "sees_mine"), [(None, False), ("nick", False), ("mia", True), ("alice", True)]
)
def test_the_list_shows_what_the_viewer_may_read(data, client, viewer, sees_mine):
    user = getattr(data, viewer) if viewer else None
    response = _as(client, user).get(data.base)
    assert response.status_code == 200
    page = response.content.decode()
    assert "入党申请书模板" in page
    assert ("一矿学习视频" in page) is sees_mine
    assert ("一矿内部" in page) is sees_mine  # the folder itself is hidden too
    item_url = f"{data.base}{data.mine_item.pk}/"
    assert client.get(item_url).status_code == (200 if sees_mine else 404)
    assert client.get(f"{item_url}file/").status_code == (200 if sees_mine else 404)
    assert client.get(f"{data.base}?folder={data.f_mine.pk}").status_code == (
        200 if sees_mine else 404
    )


def test_anonymous_visitors_get_a_login_prompt(data, client):
    page = _as(client, None).get(data.base).content.decode()
    assert "登录" in page and "向社会公开" in page


def test_search_box_filters_titles(data, client):
    page = _as(client, data.mia).get(data.base, {"q": "申请书"}).content.decode()
    assert "入党申请书模板" in page and "一矿学习视频" not in page
    page = client.get(data.base, {"q": "没有这个"}).content.decode()
    assert "没有找到名称含“没有这个”的资料" in page


@pytest.mark.parametrize("folder", ["abc", "99999999", "-1", "１"])
def test_a_bad_folder_parameter_is_404_not_500(data, client, folder):
    assert _as(client, data.mia).get(data.base, {"folder": folder}).status_code == 404


def test_unknown_or_inactive_site_is_404(data, client):
    assert _as(client, data.mia).get("/s/no-such-site/downloads/").status_code == 404


def test_the_item_page_lists_versions_and_downloads_them(data, client):
    _as(client, None)
    page = client.get(f"{data.base}{data.public_item.pk}/").content.decode()
    assert "第 2 版" in page and "第 1 版" in page and "新格式" in page
    current = client.get(f"{data.base}{data.public_item.pk}/file/")
    assert current.status_code == 200
    assert "attachment;" in current["Content-Disposition"]
    assert "第二版".encode() in _unzip(_body(current))
    first = client.get(f"{data.base}{data.public_item.pk}/file/1/")
    assert "第一版".encode() in _unzip(_body(first))
    assert "%EF%BC%88%E7%AC%AC1%E7%89%88%EF%BC%89" in first["Content-Disposition"]  # （第1版）
    assert client.get(f"{data.base}{data.public_item.pk}/file/7/").status_code == 404
    data.public_item.refresh_from_db()
    assert data.public_item.download_count == 2


def _unzip(content: bytes) -> bytes:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read("word/document.xml")


def test_a_video_item_plays_inline_and_seeks(data, client):
    _as(client, data.mia)
    page = client.get(f"{data.base}{data.mine_item.pk}/").content.decode()
    assert "<video" in page and "?inline=1" in page
    response = client.get(
        f"{data.base}{data.mine_item.pk}/file/?inline=1", HTTP_RANGE="bytes=10-19"
    )
    assert response.status_code == 206
    assert response["Content-Disposition"].startswith("inline;")
    assert _body(response) == mp4_bytes(payload=3000)[10:20]


def test_list_query_count_does_not_grow_with_items(data, client, django_assert_max_num_queries):
    for n in range(25):
        item = DownloadItem.objects.create(
            site=data.mine_site, folder=data.f_mine, title=f"资料{n}", visibility=ORGS
        )
        item.audience.set([data.mine])
    _as(client, data.mia).get(data.base)
    with django_assert_max_num_queries(10):
        response = client.get(data.base)
    assert response.status_code == 200
    assert "共 27 条" in response.content.decode()  # paginated in the database
    with django_assert_max_num_queries(10):
        assert client.get(f"{data.base}{data.public_item.pk}/").status_code == 200


def test_the_menu_offers_the_library_and_its_management(data):
    def labels(user):
        return {item["label"] for section in menu_for(user) for item in section["items"]}

    assert "下载专区" in labels(data.mia)
    assert "管理下载专区" not in labels(data.mia)
    assert {"下载专区", "管理下载专区"} <= labels(data.erin)


def test_downloads_home_leads_to_the_viewers_own_site(data, client):
    response = _as(client, data.mia).get("/portal/downloads/")
    assert response.status_code == 302 and response["Location"] == data.base
    response = _as(client, data.nick).get("/portal/downloads/")
    assert response["Location"] == f"/s/{data.mine2_site.code}/downloads/"
    response = _as(client, None).get("/portal/downloads/")
    assert response["Location"] == f"/s/{data.group_site.code}/downloads/"


# --- management -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["mia", "nick", "dave", "bob"])
def test_management_is_404_outside_manage_downloads(data, client, who):
    _as(client, getattr(data, who))
    assert client.get(data.manage).status_code == 404
    assert client.post(f"{data.manage}folders/new/", {"name": "x"}).status_code == 404
    assert client.get(f"{data.manage}items/{data.public_item.pk}/").status_code == 404
    assert client.post(f"{data.manage}items/{data.public_item.pk}/active/").status_code == 404
    assert not DownloadFolder.objects.filter(name="x").exists()


def test_management_home_picks_the_managed_site(data, client):
    response = _as(client, data.frank).get("/portal/downloads/manage/")
    assert response.status_code == 302 and response["Location"] == data.manage
    assert _as(client, data.mia).get("/portal/downloads/manage/").status_code == 404


def test_a_manager_runs_the_whole_library_through_the_forms(data, client):
    _as(client, data.erin)
    assert client.get(data.manage).status_code == 200
    page = client.get(data.manage)
    token = page.context["form_token"]
    form = {"name": "学习资料", "parent": "", "order": "1", "visibility": ORGS,
            "audience": [str(data.branch1.pk)], "form_token": token}  # fmt: skip
    response = client.post(f"{data.manage}folders/new/", form)
    folder = DownloadFolder.objects.get(site=data.mine_site, name="学习资料")
    assert response.status_code == 302 and list(folder.audience.all()) == [data.branch1]
    client.post(f"{data.manage}folders/new/", form)  # a double click
    assert DownloadFolder.objects.filter(site=data.mine_site, name="学习资料").count() == 1

    new = client.get(f"{data.manage}items/new/?folder={folder.pk}")
    assert new.status_code == 200
    response = client.post(
        f"{data.manage}items/new/",
        {"title": "党课讲稿", "folder": folder.pk, "description": "七一党课",
         "visibility": MEMBERS, "file": upload("讲稿.pdf", PDF_BYTES), "note": "",
         "form_token": new.context["form_token"]},
    )  # fmt: skip
    item = DownloadItem.objects.get(title="党课讲稿")
    assert response.status_code == 302
    assert response["Location"] == f"{data.manage}items/{item.pk}/"

    edit = client.get(f"{data.manage}items/{item.pk}/")
    response = client.post(
        f"{data.manage}items/{item.pk}/versions/",
        {"file": upload("讲稿2.docx", docx_bytes()), "note": "补充案例",
         "form_token": edit.context["form_token"]},
    )  # fmt: skip
    item.refresh_from_db()
    assert item.current_version.number == 2 and item.current_version.note == "补充案例"
    client.post(f"{data.manage}items/{item.pk}/versions/1/current/")
    item.refresh_from_db()
    assert item.current_version.number == 1

    response = client.post(
        f"{data.manage}items/{item.pk}/",
        {"title": "七一党课讲稿", "folder": folder.pk, "description": "", "visibility": ORGS,
         "audience": [str(data.branch1.pk)]},
    )  # fmt: skip
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.title == "七一党课讲稿" and item.visibility == ORGS

    mia_sees = _as(client, data.mia).get(f"{data.base}{item.pk}/")
    assert mia_sees.status_code == 200
    _as(client, data.erin).post(f"{data.manage}items/{item.pk}/active/", {"active": "0"})
    assert _as(client, data.mia).get(f"{data.base}{item.pk}/").status_code == 404

    _as(client, data.erin)
    response = client.post(f"{data.manage}folders/{folder.pk}/delete/")
    assert DownloadFolder.objects.filter(pk=folder.pk).exists()  # still holds the item
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("还有资料" in m for m in messages)


def test_bad_input_gets_chinese_messages_not_500(data, client):
    _as(client, data.frank)
    new = client.get(f"{data.manage}items/new/")
    response = client.post(
        f"{data.manage}items/new/",
        {"title": "", "folder": "abc", "visibility": "nope",
         "form_token": new.context["form_token"]},
    )  # fmt: skip
    assert response.status_code == 400
    page = response.content.decode()
    assert "请填写资料名称" in page and "请选择要上传的文件" in page
    response = client.post(
        f"{data.manage}items/new/",
        {"title": "伪装", "folder": data.f_public.pk, "visibility": PUBLIC,
         "file": upload("x.pdf", b"<html><script>alert(1)</script>"),
         "form_token": new.context["form_token"]},
    )  # fmt: skip
    assert response.status_code == 400
    assert "格式不对" in response.content.decode()
    response = client.post(
        f"{data.manage}folders/{data.f_public.pk}/",
        {"name": "表格模板", "order": "0", "visibility": ORGS, "audience": [str(data.mine2.pk)]},
    )
    assert response.status_code == 400
    assert "所选组织不在本站点范围内" in response.content.decode()
    assert client.get(f"{data.manage}folders/99999/").status_code == 404


def test_management_page_query_count(data, client, django_assert_max_num_queries):
    _as(client, data.frank).get(data.manage)
    with django_assert_max_num_queries(14):
        assert client.get(data.manage).status_code == 200

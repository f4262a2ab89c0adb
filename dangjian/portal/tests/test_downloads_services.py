"""The downloads library's services: who may manage, what each reader sees (item AND folder
AND ancestor folders), versions, folder rules, audit and the change signal."""

import pytest
from django.db import transaction

from dangjian.audit.models import AuditEntry
from dangjian.core.exceptions import ServiceError
from dangjian.portal.models import DownloadFolder, DownloadItem, Visibility
from dangjian.portal.services import downloads as services
from dangjian.portal.signals import download_changed
from dangjian.portal.testing import build_portal_world
from dangjian.portal.tests.media_files import PDF_BYTES, docx_bytes, upload

PUBLIC, MEMBERS, ORGS = Visibility.PUBLIC, Visibility.MEMBERS, Visibility.ORGANIZATIONS


class Data:
    def __init__(self, w):
        self.w = w
        site = w.mine_site

        def folder(name, **kw):
            return services.folder_create(actor=w.frank, site=site, name=name, **kw)

        def item(parent, title, **kw):
            file = upload("a.pdf", PDF_BYTES)
            return services.item_create(actor=w.frank, folder=parent, title=title, file=file, **kw)

        self.f_public = folder("公开资料", visibility=PUBLIC)
        self.f_members = folder("党内资料", visibility=MEMBERS)
        self.f_mine = folder("一矿内部", visibility=ORGS, audience=[w.mine])
        self.f_sub = folder("综采一队", parent=self.f_public, visibility=ORGS, audience=[w.branch1])
        self.public_item = item(self.f_public, "入党申请书模板", visibility=PUBLIC)
        self.members_item = item(self.f_members, "学习材料", visibility=MEMBERS)
        self.public_in_mine = item(self.f_mine, "公开但在一矿文件夹", visibility=PUBLIC)
        self.sub_item = item(self.f_sub, "支部台账", visibility=MEMBERS)
        self.gone = item(self.f_public, "已停用", visibility=PUBLIC)
        services.item_set_active(actor=w.frank, item=self.gone, active=False)
        self.other_site = services.folder_create(
            actor=w.dave, site=w.mine2_site, name="二矿资料", visibility=PUBLIC
        )
        self.other_item = services.item_create(
            actor=w.dave, folder=self.other_site, title="二矿模板", visibility=PUBLIC,
            file=upload("b.pdf", PDF_BYTES),
        )  # fmt: skip

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


def _titles(user, site):
    return {item.title for item in services.readable_items(user, site)}


@pytest.mark.parametrize(
    ("viewer", "expected"),
    [
        (None, {"入党申请书模板"}),
        ("nick", {"入党申请书模板", "学习材料"}),
        ("dave", {"入党申请书模板", "学习材料"}),
        ("mia", {"入党申请书模板", "学习材料", "公开但在一矿文件夹", "支部台账"}),
        ("bob", {"入党申请书模板", "学习材料", "公开但在一矿文件夹", "支部台账"}),
        # A mine-level grant is not inside branch 1: 支部台账 is for the branch's subtree only.
        ("alice", {"入党申请书模板", "学习材料", "公开但在一矿文件夹"}),
    ],
)
def test_readers_see_items_whose_folders_they_may_read(data, viewer, expected):
    user = getattr(data, viewer) if viewer else None
    assert _titles(user, data.mine_site) == expected
    assert "二矿模板" not in _titles(user, data.mine_site)


def test_readable_folders_follow_ancestors(data):
    names = {f.name for f in services.readable_folders(data.nick, data.mine_site)}
    assert names == {"公开资料", "党内资料"}
    names = {f.name for f in services.readable_folders(None, data.mine_site)}
    assert names == {"公开资料"}


@pytest.mark.parametrize("who", ["mia", "bob", "dave", "nick"])
def test_only_holders_of_manage_downloads_over_the_site_may_write(data, who):
    user = getattr(data, who)
    with pytest.raises(ServiceError, match="权限"):
        services.folder_create(actor=user, site=data.mine_site, name="新文件夹")
    with pytest.raises(ServiceError, match="权限"):
        services.version_add(actor=user, item=data.public_item, file=upload("a.pdf", PDF_BYTES))
    with pytest.raises(ServiceError, match="权限"):
        services.item_set_active(actor=user, item=data.public_item, active=False)


@pytest.mark.parametrize("who", ["erin", "frank", "alice"])
def test_propaganda_staff_and_the_organisation_department_manage(data, who):
    folder = services.folder_create(actor=getattr(data, who), site=data.mine_site, name=f"{who}的")
    assert folder.created_by == getattr(data, who)


def test_versions_count_up_and_the_current_one_can_be_chosen(data):
    item = data.members_item
    second = services.version_add(
        actor=data.erin, item=item, file=upload("新.docx", docx_bytes()), note="修订"
    )
    third = services.version_add(actor=data.erin, item=item, file=upload("c.pdf", PDF_BYTES))
    item.refresh_from_db()
    assert (second.number, third.number) == (2, 3)
    assert item.current_version == third
    assert second.file_kind == "docx" and second.note == "修订"
    services.version_set_current(actor=data.erin, item=item, number=2)
    item.refresh_from_db()
    assert item.current_version == second
    with pytest.raises(ServiceError, match="第 9 版"):
        services.version_set_current(actor=data.erin, item=item, number=9)
    assert list(item.versions.values_list("number", flat=True)) == [3, 2, 1]


def test_files_are_checked_by_their_bytes(data):
    with pytest.raises(ServiceError, match="格式不对"):
        services.version_add(
            actor=data.frank, item=data.public_item, file=upload("x.pdf", b"<html>")
        )
    text = services.version_add(
        actor=data.frank, item=data.public_item, file=upload("说明.txt", "党支部工作说明".encode())
    )
    assert text.file_kind == "txt"


def test_visibility_input_is_validated(data):
    with pytest.raises(ServiceError, match="至少选择一个"):
        services.folder_create(actor=data.frank, site=data.mine_site, name="x", visibility=ORGS)
    with pytest.raises(ServiceError, match="不在范围内"):
        services.folder_create(
            actor=data.frank, site=data.mine_site, name="x", visibility=ORGS, audience=[data.mine2]
        )
    with pytest.raises(ServiceError, match="请选择公开范围"):
        services.folder_create(actor=data.frank, site=data.mine_site, name="x", visibility="all")
    with pytest.raises(ServiceError, match="请填写文件夹名称"):
        services.folder_create(actor=data.frank, site=data.mine_site, name="  ")


def test_folder_tree_rules(data):
    with pytest.raises(ServiceError, match="已经有名为"):
        services.folder_create(actor=data.frank, site=data.mine_site, name="公开资料")
    third = services.folder_create(
        actor=data.frank, site=data.mine_site, name="第三层", parent=data.f_sub
    )
    with pytest.raises(ServiceError, match="最多 3 层"):
        services.folder_create(actor=data.frank, site=data.mine_site, name="第四层", parent=third)
    with pytest.raises(ServiceError, match="自己或它的下级"):
        services.folder_update(
            actor=data.frank, folder=data.f_public, name="公开资料", parent=third,
            visibility=PUBLIC,
        )  # fmt: skip
    with pytest.raises(ServiceError, match="不属于这个站点"):
        services.folder_create(
            actor=data.frank, site=data.mine_site, name="y", parent=data.other_site
        )


def test_only_empty_folders_are_deleted(data):
    with pytest.raises(ServiceError, match="下级文件夹"):
        services.folder_delete(actor=data.frank, folder=data.f_public)
    with pytest.raises(ServiceError, match="还有资料"):
        services.folder_delete(actor=data.frank, folder=data.f_members)
    empty = services.folder_create(actor=data.frank, site=data.mine_site, name="空")
    services.folder_delete(actor=data.frank, folder=empty)
    assert not DownloadFolder.objects.filter(pk=empty.pk).exists()
    assert AuditEntry.objects.filter(action="portal.download_folder_delete").exists()


def test_a_folder_rename_and_move_is_audited(data):
    services.folder_update(
        actor=data.frank, folder=data.f_sub, name="综采一队资料", parent=None,
        visibility=ORGS, audience=[data.branch1], order=3,
    )  # fmt: skip
    data.f_sub.refresh_from_db()
    assert (data.f_sub.name, data.f_sub.parent, data.f_sub.order) == ("综采一队资料", None, 3)
    entry = AuditEntry.objects.filter(action="portal.download_folder_save").latest("id")
    assert entry.before["name"] == "综采一队" and entry.after["name"] == "综采一队资料"


def test_deactivated_items_are_hidden_and_can_come_back(data):
    assert not services.readable_items(None).filter(pk=data.gone.pk).exists()
    services.item_set_active(actor=data.frank, item=data.gone, active=True)
    assert services.readable_items(None).filter(pk=data.gone.pk).exists()


def test_changes_signal_after_commit_with_the_item(data, django_capture_on_commit_callbacks):
    seen = []

    def receiver(sender, **kwargs):
        seen.append((kwargs["item_id"], kwargs["site_id"], kwargs["reason"]))

    download_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.version_add(
                actor=data.frank, item=data.public_item, file=upload("a.pdf", PDF_BYTES)
            )
            services.item_set_active(actor=data.frank, item=data.public_item, active=False)
            services.folder_update(
                actor=data.frank, folder=data.f_members, name="党内资料", parent=None,
                visibility=PUBLIC,
            )  # fmt: skip
    finally:
        download_changed.disconnect(receiver)
    site = data.mine_site.pk
    assert (data.public_item.pk, site, "save") in seen
    assert (data.public_item.pk, site, "delete") in seen
    assert (data.members_item.pk, site, "save") in seen  # the folder's readers changed


def test_item_creation_is_audited_with_its_first_version(data):
    item = DownloadItem.objects.get(pk=data.public_item.pk)
    assert item.current_version.number == 1
    assert item.current_version.note == "首次上传"
    entry = AuditEntry.objects.get(action="portal.download_save", object_id=str(item.pk))
    assert entry.actor == data.frank and entry.organization_path == data.mine.path

"""The portal back-end's writes through its pages: opening a site, site settings, the column
tree (codes, the two levels, 党务公开's forced review, publishers, inheriting from the parent
site, delete vs. deactivate, order) and the home-page blocks (which column fits which block,
the links editor, order, show/hide). Bad input answers a Chinese message and changes nothing;
every saved change is audited and makes the portal's cached pages stale."""

import pytest
from django.urls import reverse

from dangjian.audit.models import AuditEntry
from dangjian.core.exceptions import ServiceError
from dangjian.core.testing.world import grant
from dangjian.orgs.models import Organization, OrgType
from dangjian.portal import cache
from dangjian.portal.models import Column, HomeBlock, Site
from dangjian.portal.services import manage
from dangjian.portal.testing import make_article


@pytest.fixture
def pw(module_portal, db):
    return module_portal


@pytest.fixture
def as_alice(client, pw):
    client.force_login(pw.alice)
    return client


def _columns(site):
    return list(Column.objects.filter(site=site).order_by("pk").values())


def _blocks(site):
    return list(HomeBlock.objects.filter(site=site).order_by("pk").values())


def _audited(action) -> int:
    return AuditEntry.objects.filter(action=action).count()


def _column_form(**extra):
    data = {
        "name": "廉政建设",
        "slug": "integrity",
        "kind": "articles",
        "order": "200",
        "default_visibility": "members",
        "needs_review": "on",
        "show_in_nav": "on",
        "is_active": "on",
        "form_token": "a" * 32,
    }
    data.update(extra)
    return {key: value for key, value in data.items() if value is not None}


def _block_form(**extra):
    data = {
        "kind": "column",
        "title": "政策法规",
        "size": "6",
        "width": "half",
        "is_active": "on",
        "form_token": "b" * 32,
    }
    data.update(extra)
    return {key: value for key, value in data.items() if value is not None}


def _error(response) -> str:
    assert response.status_code == 400, response.status_code
    return response.content.decode()


# --- sites -------------------------------------------------------------------------------------


def test_alice_opens_a_site_for_a_general_branch_of_her_mine(as_alice, pw):
    general = Organization.objects.add_child(
        Organization.objects.get(pk=pw.mine.pk),
        {
            "org_type": OrgType.GENERAL_BRANCH,
            "name": "一矿机关党总支",
            "short_name": "一矿机关",
            "code": "G-M1-J",
        },
    )
    response = as_alice.post(
        reverse("portal:manage_site_new"),
        {"organization": general.pk, "name": "", "code": "m1-jiguan", "form_token": "d" * 32},
    )
    site = Site.objects.get(organization=general)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:manage_columns", args=[site.pk])
    assert site.name == "一矿机关党建网" and site.code == "m1-jiguan"
    assert site.columns.count() == 11 and site.blocks.count() == 11
    # The new site lists its parent site's 通知公告 too.
    assert site.columns.get(slug="notices").inherit_from == pw.column(pw.mine_site, "notices")
    assert AuditEntry.objects.filter(action="portal.site_create", object_id=str(site.pk)).exists()
    page = as_alice.get(reverse("portal:manage_sites")).content.decode()
    assert "一矿机关党建网" in page


def test_a_branch_gets_no_site_of_its_own(as_alice, pw):
    response = as_alice.post(
        reverse("portal:manage_site_new"), {"organization": pw.branch1.pk, "form_token": "e" * 32}
    )
    assert "不是党委或党总支" in _error(response)
    with pytest.raises(ServiceError, match="只有党委、党总支可以开通站点"):
        manage.site_open(actor=pw.alice, organization=pw.branch1)
    assert not Site.objects.filter(organization=pw.branch1).exists()


def test_opening_a_site_twice_or_with_a_taken_code_is_refused(pw):
    with pytest.raises(ServiceError, match="已经开通了站点"):
        manage.site_open(actor=pw.alice, organization=pw.mine)
    general = Organization.objects.add_child(
        Organization.objects.get(pk=pw.mine.pk),
        {"org_type": OrgType.GENERAL_BRANCH, "name": "一矿机关党总支", "code": "G-M1-J"},
    )
    with pytest.raises(ServiceError, match=r"已被“.*”使用"):
        manage.site_open(actor=pw.alice, organization=general, code=pw.mine2_site.code)
    assert not Site.objects.filter(organization=general).exists()


def _site_form(site, **extra):
    data = {"name": site.name, "code": site.code, "slogan": "", "is_active": "on"}
    data.update(extra)
    return {key: value for key, value in data.items() if value is not None}


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("g-m2", "已被“"),
        ("Mine One", "只能用小写英文字母"),
        ("一矿", "只能用小写英文字母"),
        ("-m1", "只能用小写英文字母"),
    ],
)
def test_a_bad_site_code_is_refused_in_chinese(as_alice, pw, code, message):
    before = list(Site.objects.order_by("pk").values())
    response = as_alice.post(
        reverse("portal:manage_site", args=[pw.mine_site.pk]), _site_form(pw.mine_site, code=code)
    )
    assert message in _error(response)
    assert list(Site.objects.order_by("pk").values()) == before


def test_site_settings_are_saved_audited_and_make_the_pages_stale(
    as_alice, pw, django_capture_on_commit_callbacks
):
    version = cache.version()
    with django_capture_on_commit_callbacks(execute=True):
        response = as_alice.post(
            reverse("portal:manage_site", args=[pw.mine_site.pk]),
            _site_form(pw.mine_site, name="一矿党建在线", code="yikuang", slogan="奋进一矿"),
        )
    assert response.status_code == 302
    site = Site.objects.get(pk=pw.mine_site.pk)
    assert (site.name, site.code, site.slogan, site.show_parent_items) == (
        "一矿党建在线",
        "yikuang",
        "奋进一矿",
        False,
    )
    entry = AuditEntry.objects.get(action="portal.site_update")
    assert entry.before["code"] == "g-m1" and entry.after["code"] == "yikuang"
    assert cache.version() > version


def test_the_platform_front_site_cannot_be_switched_off(client, pw):
    grant(pw.charlie, "org_department", pw.group)
    client.force_login(pw.charlie)
    response = client.post(
        reverse("portal:manage_site", args=[pw.group_site.pk]),
        _site_form(pw.group_site, is_active=None),
    )
    assert "不能停用" in _error(response)
    assert Site.objects.get(pk=pw.group_site.pk).is_active


# --- columns -----------------------------------------------------------------------------------


def test_a_new_column_is_saved_and_audited(as_alice, pw):
    url = reverse("portal:manage_column_new", args=[pw.mine_site.pk])
    response = as_alice.post(url, _column_form())
    assert response.status_code == 302
    column = pw.mine_site.columns.get(slug="integrity")
    assert column.name == "廉政建设" and column.needs_review and column.parent is None
    assert _audited("portal.column_save") == 1
    # The same form posted again (double click) saves nothing more.
    assert as_alice.post(url, _column_form()).status_code == 302
    assert pw.mine_site.columns.filter(slug="integrity").count() == 1


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("news", "本站栏目“新闻动态”已使用代码“news”"),
        ("廉政", "栏目代码只能用小写英文字母"),
        ("a b", "栏目代码只能用小写英文字母"),
        ("", "请填写栏目代码"),
    ],
)
def test_a_bad_column_code_is_refused_in_chinese(as_alice, pw, slug, message):
    before = _columns(pw.mine_site)
    response = as_alice.post(
        reverse("portal:manage_column_new", args=[pw.mine_site.pk]), _column_form(slug=slug)
    )
    assert message in _error(response)
    assert _columns(pw.mine_site) == before


def test_a_disclosure_column_is_always_reviewed_with_the_secrecy_check(as_alice, pw):
    as_alice.post(
        reverse("portal:manage_column_new", args=[pw.mine_site.pk]),
        _column_form(kind="disclosure", needs_review=None),
    )
    column = pw.mine_site.columns.get(slug="integrity")
    assert column.needs_review and column.needs_secrecy_review
    with pytest.raises(ServiceError, match="上级站点"):
        manage.column_save(
            actor=pw.alice,
            site=pw.mine_site,
            column=column,
            values={
                **{name: getattr(column, name) for name in manage.COLUMN_FIELDS},
                "needs_review": False,
                "inherit_from": pw.column(pw.mine2_site, "notices"),
            },
        )
    column.refresh_from_db()
    assert column.needs_review and column.needs_secrecy_review


def test_columns_have_two_levels(as_alice, pw):
    news = pw.column(pw.mine_site, "news")  # a child of 舆论宣传
    response = as_alice.post(
        reverse("portal:manage_column_new", args=[pw.mine_site.pk]), _column_form(parent=news.pk)
    )
    assert "parent" in response.context["form"].errors
    assert not pw.mine_site.columns.filter(slug="integrity").exists()
    publicity = pw.column(pw.mine_site, "publicity")  # has children
    notices = pw.column(pw.mine_site, "notices")
    values = {name: getattr(publicity, name) for name in manage.COLUMN_FIELDS}
    with pytest.raises(ServiceError, match="下面还有子栏目"):
        manage.column_save(
            actor=pw.alice,
            site=pw.mine_site,
            column=publicity,
            values={**values, "parent": notices},
        )
    with pytest.raises(ServiceError, match="本身是子栏目"):
        manage.column_save(
            actor=pw.alice,
            site=pw.mine_site,
            values={**values, "slug": "deeper", "parent": news},
        )
    response = as_alice.post(
        reverse("portal:manage_column_new", args=[pw.mine_site.pk]),
        _column_form(parent=publicity.pk),
    )
    assert pw.mine_site.columns.get(slug="integrity").parent == publicity


def test_a_column_inherits_only_from_the_parent_site(as_alice, pw):
    group_notices = pw.column(pw.group_site, "notices")
    other = pw.column(pw.mine2_site, "notices")
    url = reverse("portal:manage_column_new", args=[pw.mine_site.pk])
    response = as_alice.post(url, _column_form(inherit_from=other.pk))
    assert "inherit_from" in response.context["form"].errors
    response = as_alice.post(url, _column_form(inherit_from=group_notices.pk))
    assert response.status_code == 302
    assert pw.mine_site.columns.get(slug="integrity").inherit_from == group_notices


def test_publishers_are_people_with_a_role_inside_the_site(as_alice, pw):
    column = pw.column(pw.mine_site, "organization")
    url = reverse("portal:manage_column", args=[column.pk])
    values = {name: getattr(column, name) for name in manage.COLUMN_FIELDS}
    form = _column_form(
        name=column.name, slug=column.slug, order=str(column.order), form_token=None
    )
    # Bob (secretary of branch 1, inside the mine) may be named; Dave (mine 2) may not.
    assert as_alice.post(url, {**form, "add_publisher": pw.bob.pk}).status_code == 302
    assert list(column.publishers.all()) == [pw.bob]
    response = as_alice.post(url, {**form, "publishers": [pw.bob.pk], "add_publisher": pw.dave.pk})
    assert "没有职务" in _error(response)
    assert list(column.publishers.all()) == [pw.bob]
    with pytest.raises(ServiceError, match="没有任何职务"):
        manage.column_save(
            actor=pw.alice, site=pw.mine_site, column=column, values=values, publishers=[pw.dave]
        )
    options = as_alice.get(reverse("portal:manage_publishers", args=[pw.mine_site.pk]))
    text = options.content.decode()
    assert "易琳" in text and pw.dave.display_name not in text
    # Unticked, Bob is no longer a publisher (an empty list: every writer of the site).
    assert as_alice.post(url, form).status_code == 302
    assert not column.publishers.exists()


def test_a_column_kind_that_its_home_block_cannot_show_is_refused(as_alice, pw):
    photos = pw.column(pw.mine_site, "photos")  # the carousel's column
    response = as_alice.post(
        reverse("portal:manage_column", args=[photos.pk]),
        _column_form(name="图片新闻", slug="photos", kind="articles", form_token=None),
    )
    assert "首页区块“图片新闻”" in _error(response)
    assert Column.objects.get(pk=photos.pk).kind == Column.Kind.PICTURES


def test_a_column_with_articles_is_switched_off_not_deleted(as_alice, pw):
    policies = pw.column(pw.mine_site, "policies")
    make_article(pw.mine_site, "policies", "关于加强党员教育管理的通知")
    response = as_alice.post(
        reverse("portal:manage_column_delete", args=[policies.pk]), follow=True
    )
    assert "已有文章，不能删除" in response.content.decode()
    page = as_alice.get(reverse("portal:manage_column", args=[policies.pk])).content.decode()
    assert 'data-testid="column-delete-refusal"' in page
    assert 'data-testid="column-delete"' not in page
    assert Column.objects.filter(pk=policies.pk).exists()
    for slug, reason in (("publicity", "子栏目"), ("photos", "首页区块")):
        with pytest.raises(ServiceError, match=reason):
            manage.column_delete(actor=pw.alice, column=pw.column(pw.mine_site, slug))
    assert _audited("portal.column_delete") == 0


def test_an_empty_column_is_deleted_and_audited(as_alice, pw, django_capture_on_commit_callbacks):
    version = cache.version()
    enterprise = pw.column(pw.mine_site, "enterprise")
    page = as_alice.get(reverse("portal:manage_column", args=[enterprise.pk])).content.decode()
    assert 'data-testid="column-delete"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = as_alice.post(reverse("portal:manage_column_delete", args=[enterprise.pk]))
    assert response["Location"] == reverse("portal:manage_columns", args=[pw.mine_site.pk])
    assert not Column.objects.filter(pk=enterprise.pk).exists()
    assert AuditEntry.objects.get(action="portal.column_delete").before["slug"] == "enterprise"
    assert cache.version() > version


def _order(site, parent=None):
    return list(
        site.columns.filter(parent=parent).order_by("order", "id").values_list("slug", flat=True)
    )


def test_columns_move_up_and_down_among_their_siblings(as_alice, pw):
    site = pw.mine_site
    first = _order(site)
    assert first[:3] == ["notices", "organization", "publicity"]
    move = lambda slug, way: as_alice.post(  # noqa: E731
        reverse("portal:manage_column_move", args=[pw.column(site, slug).pk]), {"direction": way}
    )
    move("organization", "up")
    assert _order(site)[:3] == ["organization", "notices", "publicity"]
    move("organization", "up")  # already first: nothing changes
    assert _order(site)[:3] == ["organization", "notices", "publicity"]
    publicity = pw.column(site, "publicity")
    move("photos", "down")
    assert _order(site, publicity) == ["news", "models", "videos", "photos"]
    assert _order(site)[:3] == ["organization", "notices", "publicity"]  # the top level kept
    assert move("news", "sideways").status_code == 302
    assert _order(site, publicity) == ["news", "models", "videos", "photos"]


# --- home-page blocks --------------------------------------------------------------------------


def test_a_new_block_goes_to_the_end_of_the_page(as_alice, pw):
    policies = pw.column(pw.mine_site, "policies")
    response = as_alice.post(
        reverse("portal:manage_block_new", args=[pw.mine_site.pk]),
        _block_form(column=policies.pk),
    )
    assert response.status_code == 302
    last = pw.mine_site.blocks.order_by("order").last()
    assert (last.title, last.column, last.size, last.width) == ("政策法规", policies, 6, "half")
    assert _audited("portal.block_save") == 1


@pytest.mark.parametrize(
    ("kind", "slug", "message"),
    [
        ("carousel", "news", "“图片新闻轮播”区块需要图片新闻类型的栏目，“新闻动态”是文章列表"),
        ("notices", "", "“通知公告”区块要选择一个栏目"),
        ("column", "downloads", "“栏目文章列表”区块需要文章列表、图片新闻、视频、党务公开类型"),
        ("downloads", "news", "“最新下载”区块需要下载专区类型的栏目"),
    ],
)
def test_a_block_needs_a_column_that_fits_it(as_alice, pw, kind, slug, message):
    column = pw.column(pw.mine_site, slug).pk if slug else ""
    before = _blocks(pw.mine_site)
    response = as_alice.post(
        reverse("portal:manage_block_new", args=[pw.mine_site.pk]),
        _block_form(kind=kind, column=column),
    )
    assert message in _error(response)
    assert _blocks(pw.mine_site) == before


def test_a_block_shows_only_columns_of_its_own_site(as_alice, pw):
    response = as_alice.post(
        reverse("portal:manage_block_new", args=[pw.mine_site.pk]),
        _block_form(column=pw.column(pw.mine2_site, "news").pk),
    )
    assert "column" in response.context["form"].errors


@pytest.mark.parametrize("size", ["0", "21", "abc"])
def test_the_block_size_is_one_to_twenty(as_alice, pw, size):
    response = as_alice.post(
        reverse("portal:manage_block_new", args=[pw.mine_site.pk]),
        _block_form(column=pw.column(pw.mine_site, "news").pk, size=size),
    )
    assert "条数须" in _error(response)


def _links_block(pw):
    return pw.mine_site.blocks.get(kind=HomeBlock.Kind.LINKS)


def _post_links(client, block, rows):
    data = _block_form(kind="links", title="相关链接", width="full", form_token=None)
    data["link_name"] = [name for name, _ in rows]
    data["link_url"] = [url for _, url in rows]
    return client.post(reverse("portal:manage_block", args=[block.pk]), data)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        " javascript:alert(1)",
        "//evil.example/",
        "/\\evil.example/",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "ftp://files.example/",
        "http://",
        "www.12371.cn",
        "https://exa mple.com/",
    ],
)
def test_a_link_must_be_http_or_on_this_site(as_alice, pw, url):
    block = _links_block(pw)
    response = _post_links(as_alice, block, [("共产党员网", "https://www.12371.cn/"), ("坏", url)])
    text = _error(response)
    assert "第 2 行链接“坏”的网址无效" in text
    assert 'is-invalid" id="link-url-2"' in text and 'is-invalid" id="link-url-1"' not in text
    assert HomeBlock.objects.get(pk=block.pk).config == {"links": []}


def test_links_are_saved_in_order_without_blank_rows(as_alice, pw):
    block = _links_block(pw)
    rows = [
        ("共产党员网", "https://www.12371.cn/"),
        ("", ""),
        ("工作台", "/workbench/"),
        ("人民网", "HTTP://www.people.com.cn/?a=1#b"),
    ]
    assert _post_links(as_alice, block, rows).status_code == 302
    assert HomeBlock.objects.get(pk=block.pk).config["links"] == [
        {"name": "共产党员网", "url": "https://www.12371.cn/"},
        {"name": "工作台", "url": "/workbench/"},
        {"name": "人民网", "url": "HTTP://www.people.com.cn/?a=1#b"},
    ]
    response = _post_links(as_alice, block, [("只有名称", "")])
    assert "第 1 行链接：名称和网址都要填写" in _error(response)
    page = as_alice.get(reverse("portal:manage_block", args=[block.pk])).content.decode()
    assert 'value="https://www.12371.cn/"' in page


def test_a_block_without_a_column_drops_the_one_posted(as_alice, pw):
    block = pw.mine_site.blocks.get(kind=HomeBlock.Kind.STATISTICS)
    response = as_alice.post(
        reverse("portal:manage_block", args=[block.pk]),
        _block_form(
            kind="stats",
            title="党建数据",
            column=pw.column(pw.mine_site, "news").pk,
            form_token=None,
        ),
    )
    assert response.status_code == 302
    assert HomeBlock.objects.get(pk=block.pk).column is None


def _titles(site):
    return list(site.blocks.order_by("order", "id").values_list("title", flat=True))


def test_blocks_move_hide_and_delete(as_alice, pw, django_capture_on_commit_callbacks):
    site = pw.mine_site
    titles = _titles(site)
    todo = site.blocks.get(kind=HomeBlock.Kind.TODO)
    as_alice.post(reverse("portal:manage_block_move", args=[todo.pk]), {"direction": "up"})
    assert _titles(site)[:3] == [titles[0], titles[2], titles[1]]
    first = site.blocks.order_by("order", "id").first()
    as_alice.post(reverse("portal:manage_block_move", args=[first.pk]), {"direction": "up"})
    assert _titles(site)[:3] == [titles[0], titles[2], titles[1]]
    version = cache.version()
    with django_capture_on_commit_callbacks(execute=True):
        as_alice.post(reverse("portal:manage_block_toggle", args=[todo.pk]), {"show": "0"})
    assert not HomeBlock.objects.get(pk=todo.pk).is_active
    assert cache.version() > version
    response = as_alice.post(reverse("portal:manage_block_delete", args=[todo.pk]))
    assert response["Location"] == reverse("portal:manage_blocks", args=[site.pk])
    assert not HomeBlock.objects.filter(pk=todo.pk).exists()
    assert AuditEntry.objects.get(action="portal.block_delete").before["title"] == "我的待办"
    assert AuditEntry.objects.filter(action="portal.block_save").count() == 2


def test_the_pages_render_the_forms_in_chinese(as_alice, pw):
    site = pw.mine_site
    page = as_alice.get(reverse("portal:manage_columns", args=[site.pk])).content.decode()
    assert "舆论宣传" in page and "新闻动态" in page and "保密审查" in page
    page = as_alice.get(reverse("portal:manage_blocks", args=[site.pk])).content.decode()
    assert "图片新闻轮播" in page and "预览首页" in page
    page = as_alice.get(
        reverse("portal:manage_block_new", args=[site.pk]), {"kind": "links"}
    ).content.decode()
    assert 'name="link_url"' in page and "友情链接" in page
    page = as_alice.get(
        reverse("portal:manage_column", args=[pw.column(site, "disclosure").pk])
    ).content.decode()
    assert "党务公开类栏目必须审核并做保密审查" in page


def test_a_renamed_block_shows_on_the_cached_home_page_at_once(
    as_alice, pw, django_capture_on_commit_callbacks
):
    home = reverse("portal:site", args=[pw.mine_site.code])
    block = pw.mine_site.blocks.get(kind=HomeBlock.Kind.COLUMN, column__slug="organization")
    assert "组工家园" in as_alice.get(home).content.decode()  # the block area is now cached
    with django_capture_on_commit_callbacks(execute=True):
        response = as_alice.post(
            reverse("portal:manage_block", args=[block.pk]),
            _block_form(title="组工动态", column=block.column_id, form_token=None),
        )
    assert response.status_code == 302
    assert "组工动态" in as_alice.get(home).content.decode()

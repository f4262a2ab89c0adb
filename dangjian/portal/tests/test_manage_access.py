"""The portal back-end (站点与栏目): who may open which page and send which form, the menu
entry, and the query counts of the three lists.

Alice (组织部, mine) and Frank (宣传部长, mine) manage the mine's site; Dave (组织部, mine 2)
manages only mine 2's; Erin (宣传干事) writes articles but does not manage a site; Charlie holds
no role. A site, column or block outside the user's scope answers 404 like a missing one, and a
refused write changes nothing."""

import pytest
from django.http import Http404
from django.urls import reverse

from dangjian.core.navigation import menu_for
from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.core.testing.world import grant
from dangjian.orgs.models import Organization, OrgType
from dangjian.portal.models import Column, HomeBlock, Site
from dangjian.portal.services import manage
from dangjian.portal.services.sites import open_site


@pytest.fixture
def pw(module_portal, db):
    return module_portal


def _state():
    return (
        list(Site.objects.order_by("pk").values()),
        list(Column.objects.order_by("pk").values()),
        list(HomeBlock.objects.order_by("pk").values()),
    )


SITE_PAGES = [
    "manage_site",
    "manage_columns",
    "manage_column_new",
    "manage_blocks",
    "manage_block_new",
    "manage_publishers",
]


@pytest.mark.parametrize("name", SITE_PAGES)
def test_a_site_page_opens_for_its_managers_only(client, pw, name):
    url = reverse(f"portal:{name}", args=[pw.mine_site.pk])
    assert_access_matrix(client, url=url, in_scope=pw.alice, out_of_scope=pw.dave, no_role=pw.erin)
    client.force_login(pw.frank)  # 宣传部长 manages the site too
    assert client.get(url).status_code == 200
    client.force_login(pw.charlie)
    assert client.get(url).status_code == 404


def test_column_and_block_pages_are_404_outside_the_scope(client, pw):
    column = pw.column(pw.mine_site, "news")
    block = pw.mine_site.blocks.first()
    for url in (
        reverse("portal:manage_column", args=[column.pk]),
        reverse("portal:manage_block", args=[block.pk]),
    ):
        assert_access_matrix(
            client, url=url, in_scope=pw.frank, out_of_scope=pw.dave, no_role=pw.erin
        )
    client.force_login(pw.alice)
    assert client.get(reverse("portal:manage_column", args=[999_999])).status_code == 404


def test_the_site_list_shows_only_the_sites_in_scope(client, pw):
    client.force_login(pw.dave)
    page = client.get(reverse("portal:manage_sites")).content.decode()
    assert pw.mine2_site.name in page
    assert pw.mine_site.name not in page and pw.group_site.name not in page
    client.force_login(pw.alice)
    page = client.get(reverse("portal:manage_sites")).content.decode()
    assert pw.mine_site.name in page and pw.mine2_site.name not in page
    for who in (pw.erin, pw.charlie):
        client.force_login(who)
        assert client.get(reverse("portal:manage_sites")).status_code == 404
    client.logout()
    assert client.get(reverse("portal:manage_sites")).status_code == 302


def test_the_menu_lists_the_back_end_for_site_managers_only(pw):
    def labels(user):
        return [item["label"] for block in menu_for(user) for item in block["items"]]

    assert "站点与栏目" in labels(pw.alice)
    assert "站点与栏目" in labels(pw.frank)
    assert "站点与栏目" not in labels(pw.erin)
    assert "站点与栏目" not in labels(pw.charlie)


def _writes(pw):
    column = pw.column(pw.mine_site, "policies")
    block = pw.mine_site.blocks.order_by("order").last()
    return [
        (reverse("portal:manage_site", args=[pw.mine_site.pk]), {"name": "改名", "code": "x1"}),
        (reverse("portal:manage_column_move", args=[column.pk]), {"direction": "up"}),
        (reverse("portal:manage_column_delete", args=[column.pk]), {}),
        (
            reverse("portal:manage_column", args=[column.pk]),
            {"name": "改名", "slug": "policies", "kind": "articles", "order": "5",
             "default_visibility": "members"},
        ),
        (reverse("portal:manage_block_move", args=[block.pk]), {"direction": "up"}),
        (reverse("portal:manage_block_toggle", args=[block.pk]), {"show": "0"}),
        (reverse("portal:manage_block_delete", args=[block.pk]), {}),
        (
            reverse("portal:manage_block", args=[block.pk]),
            {"kind": "links", "title": "改名", "size": "5", "width": "full"},
        ),
    ]  # fmt: skip


def test_writes_out_of_scope_are_404_and_change_nothing(client, pw):
    before = _state()
    for url, data in _writes(pw):
        for who in (pw.dave, pw.erin, pw.charlie):
            client.force_login(who)
            assert client.post(url, data).status_code == 404, (url, who)
        client.logout()
        assert client.post(url, data).status_code == 302
    assert _state() == before


def test_the_write_urls_refuse_get(client, pw):
    client.force_login(pw.alice)
    column = pw.column(pw.mine_site, "policies")
    block = pw.mine_site.blocks.first()
    for url in (
        reverse("portal:manage_column_move", args=[column.pk]),
        reverse("portal:manage_column_delete", args=[column.pk]),
        reverse("portal:manage_block_move", args=[block.pk]),
        reverse("portal:manage_block_toggle", args=[block.pk]),
        reverse("portal:manage_block_delete", args=[block.pk]),
    ):
        assert client.get(url).status_code == 405


def test_a_site_cannot_be_opened_for_an_organisation_outside_the_scope(client, pw):
    general = Organization.objects.add_child(
        Organization.objects.get(pk=pw.mine2.pk),
        {
            "org_type": OrgType.GENERAL_BRANCH,
            "name": "二矿机关党总支",
            "short_name": "二矿机关",
            "code": "G-M2-J",
        },
    )
    client.force_login(pw.alice)
    response = client.post(
        reverse("portal:manage_site_new"), {"organization": general.pk, "form_token": "c" * 32}
    )
    assert response.status_code == 400
    assert "不在您的管理范围内" in response.content.decode()
    assert not Site.objects.filter(organization=general).exists()
    options = client.get(reverse("portal:manage_site_organizations"), {"q": "二矿"})
    assert "二矿机关" not in options.content.decode()
    client.force_login(pw.dave)
    options = client.get(reverse("portal:manage_site_organizations"), {"q": "机关"})
    assert "二矿机关" in options.content.decode()


# --- query counts ------------------------------------------------------------------------------


def _more_sites(pw, count):
    for number in range(count):
        org = Organization.objects.add_child(
            Organization.objects.get(pk=pw.group.pk),
            {
                "org_type": OrgType.COMMITTEE,
                "name": f"中共第{number}矿委员会",
                "short_name": f"{number}矿党委",
                "code": f"G-X{number}",
            },
        )
        open_site(org, actor=pw.sysadmin)


@pytest.mark.parametrize("count", [1, 4])
def test_the_site_list_takes_the_same_queries_for_more_sites(
    client, pw, django_assert_max_num_queries, count
):
    _more_sites(pw, count)
    grant(pw.charlie, "org_department", pw.group)
    client.force_login(pw.charlie)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("portal:manage_sites"))
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="site-row"') == 3 + count


@pytest.mark.parametrize("extra", [0, 12])
def test_the_column_tree_takes_the_same_queries_for_more_columns(
    client, pw, django_assert_max_num_queries, extra
):
    site = pw.mine_site
    parent = pw.column(site, "publicity")
    for number in range(extra):
        column = Column.objects.create(
            site=site,
            parent=parent if number % 2 else None,
            name=f"栏目{number}",
            slug=f"c{number}",
        )
        column.publishers.add(pw.erin)
    client.force_login(pw.alice)
    with django_assert_max_num_queries(11):
        response = client.get(reverse("portal:manage_columns", args=[site.pk]))
    assert response.content.decode().count('data-testid="column-row"') == 11 + extra


@pytest.mark.parametrize("extra", [0, 12])
def test_the_block_list_takes_the_same_queries_for_more_blocks(
    client, pw, django_assert_max_num_queries, extra
):
    site = pw.mine_site
    news = pw.column(site, "news")
    HomeBlock.objects.bulk_create(
        HomeBlock(site=site, kind="column", title=f"区块{n}", column=news, order=500 + n)
        for n in range(extra)
    )
    client.force_login(pw.alice)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("portal:manage_blocks", args=[site.pk]))
    assert response.content.decode().count('data-testid="block-row"') == 11 + extra


def test_the_services_refuse_an_actor_outside_the_site(pw):
    site = pw.mine_site
    column = pw.column(site, "policies")
    block = site.blocks.first()
    values = {name: getattr(column, name) for name in manage.COLUMN_FIELDS}
    before = _state()
    calls = [
        lambda who: manage.site_update(actor=who, site=site, name="改名", code="x1"),
        lambda who: manage.column_save(actor=who, site=site, column=column, values=values),
        lambda who: manage.column_move(actor=who, column=column, direction="up"),
        lambda who: manage.column_delete(actor=who, column=column),
        lambda who: manage.block_move(actor=who, block=block, direction="down"),
        lambda who: manage.block_toggle(actor=who, block=block, is_active=False),
        lambda who: manage.block_delete(actor=who, block=block),
        lambda who: manage.site_open(actor=who, organization=pw.branch1),
    ]
    for call in calls:
        for who in (pw.dave, pw.erin, pw.charlie):
            with pytest.raises(Http404):
                call(who)
    assert _state() == before

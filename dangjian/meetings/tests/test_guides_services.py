"""The monthly guide: who sees it (the publisher's subtree, by scope or own membership — never
another subtree), publishing (once, with one bulk notice to the secretaries below), withdrawal,
the sanitised body and checked materials."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from dangjian.appraisals.tests.helpers import member_with_account
from dangjian.audit.models import AuditEntry
from dangjian.core.exceptions import ServiceError
from dangjian.core.testing.world import grant, make_user
from dangjian.meetings import guides_api
from dangjian.meetings.models import Guide
from dangjian.meetings.services import guides as services
from dangjian.notifications.models import Notification

pytestmark = pytest.mark.django_db

MONTH = date(2026, 12, 1)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def make_guide(
    world, organization=None, actor=None, *, publish=True, month=MONTH, title="十二月指南"
):
    guide = services.guide_save(
        actor=actor or world.alice,
        organization=organization or world.mine,
        month=month,
        title=title,
        body="学习党的二十届四中全会精神",
        topics=[("theme_day", "主题党日：重温入党誓词", "到红色教育基地"), ("lecture", "党课", "")],
    )
    if publish:
        services.guide_publish(actor=actor or world.alice, guide=guide)
    return guide


def visible(user):
    return set(guides_api.guides_visible_to(user).values_list("title", flat=True))


def test_a_branch_sees_its_ancestors_guides_and_never_another_subtree(world):
    make_guide(world, title="一矿指南")
    make_guide(world, world.mine2, world.dave, title="二矿指南")
    make_guide(world, world.mine, title="一矿草稿", publish=False)
    assert visible(world.bob) == {"一矿指南"}
    assert visible(world.dave) == {"二矿指南"}
    assert visible(world.alice) == {"一矿指南", "一矿草稿"}
    assert visible(world.charlie) == set()


def test_a_member_without_a_role_sees_the_guides_reaching_their_branch(world):
    make_guide(world, title="一矿指南")
    _member, user = member_with_account(world.branch2, "普通党员", "plain")
    assert visible(user) == {"一矿指南"}


def test_a_group_guide_reaches_every_mine(world):
    carol = make_user("carol", "卡罗")
    grant(carol, "org_department", world.group)
    make_guide(world, world.group, carol, title="集团指南")
    assert visible(world.bob) == {"集团指南"}
    assert visible(world.dave) == {"集团指南"}


def test_guides_for_an_organisation_and_month(world, django_assert_max_num_queries):
    make_guide(world, title="一矿指南")
    make_guide(world, world.mine2, world.dave, title="二矿指南")
    make_guide(world, title="下月指南", month=date(2027, 1, 1))
    with django_assert_max_num_queries(2):
        found = list(guides_api.guides_for(world.group1, date(2026, 12, 15)))
        assert [g.title for g in found] == ["一矿指南"]
        assert [t.title for t in found[0].topics.all()] == ["主题党日：重温入党誓词", "党课"]


def test_publishing_notifies_the_secretaries_below_once(world):
    clerk = make_user("clerk", "干事")
    grant(clerk, "party_clerk", world.branch2)
    guide = make_guide(world, publish=False)
    assert services.guide_publish(actor=world.alice, guide=guide) == 2
    assert services.guide_publish(actor=world.alice, guide=guide) == 0
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert told == {"bob", "clerk"}
    guide.refresh_from_db()
    assert guide.status == Guide.Status.PUBLISHED and guide.published_at
    assert AuditEntry.objects.filter(action="meetings.guide_publish").count() == 1


def test_withdrawn_guides_disappear_below_and_cannot_be_edited(world):
    guide = make_guide(world)
    services.guide_withdraw(actor=world.alice, guide=guide)
    assert visible(world.bob) == set()
    with pytest.raises(ServiceError, match="已撤回"):
        services.guide_save(actor=world.alice, guide=guide, title="x", month=MONTH)
    with pytest.raises(ServiceError, match="只有已发布"):
        services.guide_withdraw(actor=world.alice, guide=guide)


def test_only_the_publishers_scope_may_write(world):
    with pytest.raises(Http404):
        make_guide(world, world.mine, world.bob, publish=False)  # a secretary has no manage_guide
    guide = make_guide(world, publish=False)
    with pytest.raises(Http404):
        services.guide_publish(actor=world.dave, guide=guide)


def test_an_empty_guide_cannot_be_published_and_a_group_cannot_publish(world):
    guide = services.guide_save(actor=world.alice, organization=world.mine, month=MONTH, title="空")
    with pytest.raises(ServiceError, match="还没有内容"):
        services.guide_publish(actor=world.alice, guide=guide)
    with pytest.raises(ServiceError, match="党小组不能发布"):
        services.guide_save(actor=world.alice, organization=world.group1, month=MONTH, title="x")


def test_topic_rows_are_checked(world):
    with pytest.raises(ServiceError, match="选择适用的会议"):
        services.guide_save(
            actor=world.alice, organization=world.mine, month=MONTH, title="x",
            topics=[("", "无类别", "")],
        )  # fmt: skip
    with pytest.raises(ServiceError, match="填写标题"):
        services.guide_save(
            actor=world.alice, organization=world.mine, month=MONTH, title="x",
            topics=[("lecture", "", "只有说明")],
        )  # fmt: skip


def test_the_body_is_sanitised(world):
    guide = services.guide_save(
        actor=world.alice,
        organization=world.mine,
        month=MONTH,
        title="x",
        body='<p onclick="x()">好<script>alert(1)</script><a href="javascript:1">链</a></p>',
    )
    assert "script" not in guide.body and "onclick" not in guide.body
    assert "javascript" not in guide.body and "<p>好" in guide.body
    plain = services.clean_body("第一段\n\n第二段 & 三")
    assert plain == "<p>第一段</p><p>第二段 &amp; 三</p>"


def test_materials_are_checked_by_content(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    guide = make_guide(world, publish=False)
    stored = services.guide_add_file(
        actor=world.alice, guide=guide, upload=SimpleUploadedFile("a.pdf", PDF), title="学习材料"
    )
    assert stored.file_kind == "pdf" and stored.size == len(PDF)
    with pytest.raises(ServiceError, match="格式不对"):
        services.guide_add_file(
            actor=world.alice, guide=guide, upload=SimpleUploadedFile("x.pdf", b"<html>")
        )
    services.guide_delete_file(actor=world.alice, stored=stored)
    assert not guide.files.exists()

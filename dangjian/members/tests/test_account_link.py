"""Linking an account to a person's record on the system administrator's user edit page."""

import pytest
from django.urls import reverse

from dangjian.accounts.models import User
from dangjian.accounts.services.users import user_link_person
from dangjian.audit.models import AuditEntry
from dangjian.core.exceptions import ServiceError
from dangjian.core.testing.world import make_user
from dangjian.members.tests.factories import make_member


def edit(client, user, **data):
    url = reverse("manage:user_edit", args=[user.pk])
    posted = {"display_name": user.display_name, "mobile": "", "email": "", **data}
    return client.post(url, posted)


def masked(person):
    return person.id_number[:6] + "********" + person.id_number[-4:]


def test_the_administrator_links_an_account_by_full_id_number(client, world):
    zhang = make_member(world.branch1, "张三").person
    account = make_user("T900001", "张三")
    client.force_login(world.sysadmin)
    response = edit(client, account, person_lookup=zhang.id_number)
    assert response.status_code == 302
    assert User.objects.get(pk=account.pk).person_id == zhang.pk
    followed = client.get(response["Location"]).content.decode()
    assert f"已关联人员档案：张三（{masked(zhang)}" in followed and zhang.id_number not in followed
    entry = AuditEntry.objects.get(action="accounts.user_link_person")
    assert entry.after["person"] == zhang.pk and zhang.id_number not in str(entry.after)


def test_the_administrator_links_an_account_by_work_number(client, world):
    zhang = make_member(world.branch1, "张三", work_number="G10086").person
    account = make_user("13912340000", "张三")
    client.force_login(world.sysadmin)
    assert edit(client, account, person_lookup="G10086").status_code == 302
    assert User.objects.get(pk=account.pk).person_id == zhang.pk


def test_the_edit_page_shows_the_link_masked(client, world):
    zhang = make_member(world.branch1, "张三", work_number="G10086").person
    account = make_user("T900001", "张三", person=zhang)
    client.force_login(world.sysadmin)
    html = client.get(reverse("manage:user_edit", args=[account.pk])).content.decode()
    assert f"张三（{masked(zhang)}，工号 G10086）" in html
    assert zhang.id_number not in html


def test_a_partial_or_unknown_number_finds_nobody(client, world):
    zhang = make_member(world.branch1, "张三").person
    account = make_user("T900001", "张三")
    client.force_login(world.sysadmin)
    for text in (zhang.id_number[:10], "T999999"):
        response = edit(client, account, person_lookup=text)
        assert response.status_code == 200
        assert "没有找到工号或身份证号与输入完全一致的人员档案" in response.content.decode()
    assert User.objects.get(pk=account.pk).person_id is None


def test_a_person_linked_to_another_account_is_refused_with_a_message(client, world):
    zhang = make_member(world.branch1, "张三").person
    make_user("13912345678", "张三", person=zhang)
    account = make_user("T900001", "张三")
    client.force_login(world.sysadmin)
    response = edit(client, account, person_lookup=zhang.id_number, display_name="张三新")
    html = response.content.decode()
    assert response.status_code == 200
    assert "已关联账号 张三（139****5678），一个人员档案只能关联一个账号" in html
    account.refresh_from_db()
    assert account.person_id is None and account.display_name == "张三"  # nothing saved


def test_the_link_can_be_removed(client, world):
    zhang = make_member(world.branch1, "张三").person
    account = make_user("T900001", "张三", person=zhang)
    client.force_login(world.sysadmin)
    assert edit(client, account, unlink_person="on").status_code == 302
    assert User.objects.get(pk=account.pk).person_id is None


def test_a_blank_lookup_keeps_the_link(client, world):
    zhang = make_member(world.branch1, "张三").person
    account = make_user("T900001", "张三", person=zhang)
    client.force_login(world.sysadmin)
    assert edit(client, account, display_name="张三丰").status_code == 302
    account.refresh_from_db()
    assert account.person_id == zhang.pk and account.display_name == "张三丰"
    assert not AuditEntry.objects.filter(action="accounts.user_link_person").exists()


def test_only_a_global_user_administrator_may_link(world):
    zhang = make_member(world.branch1, "张三").person
    account = make_user("T900001", "张三")
    from django.http import Http404

    for actor in (world.alice, world.charlie, world.secadmin):
        with pytest.raises((Http404, ServiceError)):
            user_link_person(actor=actor, user=account, person=zhang)
    assert User.objects.get(pk=account.pk).person_id is None


def test_the_edit_page_stays_closed_to_others(client, world):
    account = make_user("T900001", "张三")
    for user in (world.alice, world.charlie, world.secadmin):
        client.force_login(user)
        response = client.get(reverse("manage:user_edit", args=[account.pk]))
        assert response.status_code in (403, 404)

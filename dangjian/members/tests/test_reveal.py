"""Revealing a masked ID number, mobile or address: only with members.reveal_sensitive over the
member, each time audited (field and whose record, never the value)."""

import json

import pytest
from django.urls import reverse

from dangjian.audit.models import AuditEntry
from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.members.tests.factories import make_member

ID_NUMBER = "11010519491231002X"


@pytest.fixture
def zhang(world):
    return make_member(
        world.branch1,
        "张三",
        gender="female",
        id_number=ID_NUMBER,
        mobile="13812345678",
        address="河南省平顶山市新华区矿工路1号",
    )


def reveal(client, user, member, field, **headers):
    client.force_login(user)
    return client.post(reverse("members:reveal", args=[member.pk]), {"field": field}, **headers)


def reveals():
    return list(AuditEntry.objects.filter(action="members.reveal_sensitive").values())


def test_reveal_matrix(client, world, zhang):
    result = assert_access_matrix(
        client,
        url=reverse("members:reveal", args=[zhang.pk]),
        method="post",
        data={"field": "id_number"},
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
        state=reveals,
    )
    assert ID_NUMBER in result.responses["in_scope"].content.decode()
    assert len(reveals()) == 1


def test_reveal_needs_the_reveal_permission_not_only_the_view(client, world, zhang):
    response = reveal(client, world.bob, zhang, "id_number")
    assert response.status_code == 404
    assert reveals() == []


def test_a_member_cannot_reveal_their_own_record_without_the_permission(client, world, zhang):
    world.charlie.person = zhang.person
    world.charlie.save()
    assert reveal(client, world.charlie, zhang, "mobile").status_code == 404
    assert reveals() == []


def test_reveal_refuses_get(client, world, zhang):
    client.force_login(world.alice)
    assert client.get(reverse("members:reveal", args=[zhang.pk])).status_code == 405
    assert reveals() == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id_number", ID_NUMBER),
        ("mobile", "13812345678"),
        ("address", "河南省平顶山市新华区矿工路1号"),
    ],
)
def test_reveal_answers_the_full_value_as_a_fragment_and_audits_it(
    client, world, zhang, field, value
):
    response = reveal(client, world.alice, zhang, field, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert value in html and "<html" not in html
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    [entry] = AuditEntry.objects.filter(action="members.reveal_sensitive")
    assert entry.actor == world.alice
    assert entry.object_id == str(zhang.person.pk) and entry.object_repr == "张三"
    assert entry.after["field"] == field
    assert entry.organization_path == world.branch1.path
    stored = json.dumps([entry.before, entry.after, entry.message, entry.object_repr])
    assert value not in stored and "13812345678" not in stored


def test_every_reveal_is_audited(client, world, zhang):
    reveal(client, world.alice, zhang, "mobile", HTTP_HX_REQUEST="true")
    reveal(client, world.alice, zhang, "mobile", HTTP_HX_REQUEST="true")
    assert len(reveals()) == 2


def test_without_javascript_the_reveal_shows_the_detail_page_with_the_value(client, world, zhang):
    response = reveal(client, world.alice, zhang, "mobile")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html
    assert "13812345678" in html and "110105********002X" in html


def test_an_unknown_field_is_refused_without_an_audit_entry(client, world, zhang):
    response = reveal(client, world.alice, zhang, "password")
    assert response.status_code == 400
    assert reveals() == []


def test_dave_cannot_reveal_a_member_of_another_mine(client, world, zhang):
    assert reveal(client, world.dave, zhang, "id_number").status_code == 404
    assert reveals() == []

"""The unit filter of the member list stays short at group scale."""

from django.urls import reverse

from dangjian.members import filters
from dangjian.orgs.models import Unit


def unit_options(client, **params):
    response = client.get(reverse("members:list"), params)
    select = response.content.decode().split('name="unit"', 1)[1].split("</select>", 1)[0]
    return select.count("<option") - 1  # without "全部单位"


def test_only_a_bounded_number_of_units_is_rendered(client, world, monkeypatch):
    monkeypatch.setattr(filters, "UNIT_LIMIT", 3)
    for number in range(5):
        Unit.objects.create(name=f"区队{number}", code=f"U{number}", owner=world.mine)
    client.force_login(world.alice)
    assert unit_options(client) == 3


def test_choosing_an_organisation_offers_its_units_and_those_of_the_committees_above(client, world):
    Unit.objects.create(name="综采一队", code="U1", owner=world.branch1)
    Unit.objects.create(name="掘进二队", code="U2", owner=world.branch2)
    Unit.objects.create(name="机关科室", code="U3", owner=world.mine)
    client.force_login(world.alice)
    assert unit_options(client) == 3
    response = client.get(reverse("members:list"), {"org": world.branch1.pk})
    select = response.content.decode().split('name="unit"', 1)[1].split("</select>", 1)[0]
    assert "综采一队" in select and "机关科室" in select and "掘进二队" not in select

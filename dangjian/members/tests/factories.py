"""Builders for the member-record tests: valid people and members in a few calls.

    zhang = make_member(world.branch1, "张三")                      # a full member, valid ID
    li = make_member(world.branch2, "李四", category="probationary", gender="female")

Everything goes through the ORM directly (fast, no audit entries); tests of the services call
the services themselves.
"""

import itertools
from datetime import date

from dangjian.core.crypto import lookup_hash
from dangjian.core.idnumbers import make_id_number
from dangjian.core.pinyin import search_key
from dangjian.members.models import Category, Member, Person, Status

_serials = itertools.count(1)
REGION = "410402"  # 平顶山市新华区


def make_person(organization=None, name="张三", *, gender="male", birth=date(1985, 6, 15), **extra):
    serial = next(_serials)
    sequence = serial * 2 + (1 if gender == "male" else 0)
    id_number = extra.pop("id_number", None) or make_id_number(REGION, birth, sequence)
    mobile = extra.pop("mobile", f"139{serial:08d}")
    person = Person(
        name=name,
        gender=gender,
        birth_date=birth,
        id_number=id_number,
        id_number_hash=lookup_hash(id_number) if id_number else "",
        mobile=mobile,
        mobile_hash=lookup_hash(mobile) if mobile else "",
        work_number=extra.pop("work_number", f"T{serial:06d}"),
        pinyin_key=search_key(name),
        organization=organization,
        **extra,
    )
    person.save()
    return person


def make_member(
    organization,
    name="张三",
    *,
    category=Category.FULL,
    status=Status.NORMAL,
    joined_on=date(2010, 7, 1),
    full_member_on=None,
    party_group=None,
    **person_fields,
):
    person = make_person(organization, name, **person_fields)
    if category == Category.FULL and full_member_on is None:
        full_member_on = joined_on.replace(year=joined_on.year + 1)
    Member.objects.create(
        person=person,
        organization=organization,
        party_group=party_group,
        category=category,
        status=status,
        joined_on=joined_on,
        full_member_on=full_member_on if category == Category.FULL else None,
    )
    person.refresh_from_db()
    return person.membership

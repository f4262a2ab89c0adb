"""党内统计: every figure equals a direct count of the members, on any date, within the scope.

The expected numbers are computed independently of `statistics.py`: with plain
`Member.objects.filter(...).count()` queries and, for ages and 党龄, in Python from each row with
`display.full_years` (the function the member page uses).
"""

from datetime import date

import pytest
from django.http import Http404

from dangjian.members.display import full_years
from dangjian.members.models import (
    Category,
    Education,
    Employment,
    Gender,
    Member,
    Occupation,
    Person,
    Status,
)
from dangjian.members.statistics import AGE_BANDS, PARTY_AGE_BANDS, party_statistics
from dangjian.members.tests.factories import make_member
from dangjian.orgs.models import Organization, OrgType

ON = date(2024, 6, 30)
HUI, MONGOL, MANCHU = "03", "02", "11"


def member(org, name, *, status_changed_on=None, **fields):
    flags = {
        key: fields.pop(key)
        for key in (
            "is_floating",
            "floating_since",
            "is_lost_contact",
            "lost_contact_since",
        )
        if key in fields
    }
    created = make_member(org, name, **fields)
    Member.objects.filter(pk=created.pk).update(status_changed_on=status_changed_on, **flags)
    return created


@pytest.fixture
def roster(world):
    """A varied membership of the mine, and one member of mine2 that must never be counted."""
    b1, b2 = world.branch1, world.branch2
    member(b1, "张三", education=Education.BACHELOR, occupation=Occupation.WORKER)
    member(
        b1,
        "李四",
        category=Category.PROBATIONARY,
        joined_on=date(2024, 1, 10),
        gender=Gender.FEMALE,
        birth=date(1998, 3, 1),
        education=Education.COLLEGE,
        occupation=Occupation.WORKER,
    )
    member(b1, "王五", status=Status.SUSPENDED, status_changed_on=date(2023, 1, 1))
    member(b1, "赵六", status=Status.LEFT, status_changed_on=date(2025, 1, 1))
    member(b2, "钱七", status=Status.DECEASED, status_changed_on=date(2022, 5, 1))
    member(
        b2,
        "孙八",
        birth=date(1950, 2, 3),
        joined_on=date(1975, 7, 1),
        employment=Employment.RETIRED,
        retired_on=date(2010, 3, 1),
        occupation=Occupation.MANAGER,
    )
    member(
        b1,
        "周九",
        gender=Gender.FEMALE,
        birth=date(1990, 7, 1),
        ethnicity=HUI,
        is_floating=True,
        floating_since=date(2023, 3, 1),
        occupation=Occupation.TECHNICIAN,
    )
    member(
        b2,
        "吴十",
        ethnicity=MONGOL,
        education=Education.MASTER,
        occupation=Occupation.TECHNICIAN,
        is_lost_contact=True,
        lost_contact_since=date(2024, 1, 1),
    )
    member(
        b1,
        "郑十一",
        joined_on=date(2023, 12, 1),
        full_member_on=date(2024, 12, 1),
        birth=date(1994, 6, 30),
    )
    member(b1, "冯十二", joined_on=date(2025, 3, 1), category=Category.PROBATIONARY)
    member(
        b1,
        "陈十三",
        party_group=world.group1,
        employment=Employment.RETIRED,
        retired_on=date(2025, 1, 1),
        occupation=Occupation.MANAGER,
        birth=date(1964, 12, 31),
    )
    member(
        b2,
        "褚十四",
        status=Status.RESTORED,
        status_changed_on=date(2020, 1, 1),
        birth=date(1960, 1, 1),
        joined_on=date(1979, 5, 1),
        full_member_on=date(1980, 5, 1),
        education=Education.DOCTORATE,
        occupation=Occupation.PARTY_WORKER,
        ethnicity=MANCHU,
        gender=Gender.FEMALE,
    )
    member(b2, "卫十五", status=Status.TRANSFERRED_OUT)  # no date: cannot be placed in time
    member(b2, "蒋十六", is_floating=True, floating_since=date(2024, 9, 1), ethnicity=HUI)
    unknown = member(b2, "沈十七", joined_on=date(2000, 1, 1), education="")
    Person.objects.filter(pk=unknown.person_id).update(birth_date=None)
    member(b1, "韩十八", birth=date(1994, 7, 1), ethnicity="97")
    member(world.branch3, "二矿党员", gender=Gender.FEMALE, ethnicity=HUI)
    return world


def counted(on, path):
    """The members counted on `on` under `path`, written out independently of statistics.py."""
    rows = Member.objects.select_related("person").filter(organization__path__startswith=path)
    result = []
    for row in rows:
        if row.joined_on is None or row.joined_on > on:
            continue
        in_good_standing = row.status in (Status.NORMAL, Status.RESTORED)
        if in_good_standing or (row.status_changed_on and row.status_changed_on > on):
            result.append(row)
    return result


def is_full(row, on):
    if row.full_member_on is None:
        return row.category == Category.FULL
    return row.full_member_on <= on


def is_retired(row, on):
    person = row.person
    return person.employment == Employment.RETIRED and (
        person.retired_on is None or person.retired_on <= on
    )


def in_band(years, band):
    return (
        years is not None
        and (band.youngest is None or years >= band.youngest)
        and (band.oldest is None or years <= band.oldest)
    )


def rows_of(stats, key):
    return {row.code: row.count for row in stats.breakdowns[key].rows}


def test_it_counts_every_breakdown_exactly_as_the_rows_say(roster):
    for on in (ON, date.today()):
        stats = party_statistics(roster.alice, roster.mine, on)
        members = counted(on, roster.mine.path)
        pks = [row.pk for row in members]
        assert stats.total == len(members) == Member.objects.filter(pk__in=pks).count()

        full = [row for row in members if is_full(row, on)]
        assert rows_of(stats, "category") == {
            "full": len(full),
            "probationary": len(members) - len(full),
        }
        in_counted = Member.objects.filter(pk__in=pks)
        assert rows_of(stats, "gender") == {
            "male": in_counted.filter(person__gender="male").count(),
            "female": in_counted.filter(person__gender="female").count(),
        }
        han = in_counted.filter(person__ethnicity="01").count()
        other = in_counted.filter(person__ethnicity__in=("97", "98")).count()
        assert rows_of(stats, "ethnicity") == {
            "han": han,
            "minority": len(members) - han - other,
            "other": other,
        }
        expected_age = {
            band.code: sum(in_band(full_years(row.person.birth_date, on), band) for row in members)
            for band in AGE_BANDS
        }
        expected_age["unknown"] = in_counted.filter(person__birth_date__isnull=True).count()
        assert rows_of(stats, "age") == expected_age
        expected_education = {
            value: in_counted.filter(person__education=value).count() for value in Education.values
        }
        expected_education["unknown"] = in_counted.filter(person__education="").count()
        assert rows_of(stats, "education") == expected_education

        retired = [row for row in members if is_retired(row, on)]
        working = in_counted.exclude(pk__in=[row.pk for row in retired])
        expected_occupation = {"retired": len(retired)} | {
            value: working.filter(person__occupation=value).count() for value in Occupation.values
        }
        expected_occupation["unknown"] = working.filter(person__occupation="").count()
        assert rows_of(stats, "occupation") == expected_occupation

        expected_party_age = {
            band.code: sum(
                row.full_member_on is not None
                and row.full_member_on <= on
                and in_band(full_years(row.full_member_on, on), band)
                for row in members
            )
            for band in PARTY_AGE_BANDS
        }
        expected_party_age["probationary"] = len(members) - len(full)
        assert rows_of(stats, "party_age") == expected_party_age
        assert sum(expected_party_age.values()) == stats.total

        headline = {row.code: row.count for row in stats.headline}
        assert headline["women"] == in_counted.filter(person__gender="female").count()
        assert headline["minority"] == len(members) - han - other
        assert headline["retired"] == len(retired)
        assert headline["floating"] == sum(
            row.is_floating and row.floating_since <= on for row in members
        )
        assert headline["lost_contact"] == sum(
            row.is_lost_contact and row.lost_contact_since <= on for row in members
        )
        assert headline["young"] == sum(
            (full_years(row.person.birth_date, on) or 99) <= 35 for row in members
        )


def test_it_gives_the_hand_counted_figures_of_the_mine_on_a_past_date(roster):
    stats = party_statistics(roster.alice, roster.mine, ON)
    # Counted: 张三 李四 赵六(left later) 孙八 周九 吴十 郑十一 陈十三 褚十四 蒋十六 沈十七 韩十八.
    assert stats.total == 12
    assert rows_of(stats, "category") == {"full": 10, "probationary": 2}  # 李四, 郑十一
    headline = {row.code: row for row in stats.headline}
    assert headline["women"].count == 3  # 李四 周九 褚十四
    assert headline["women"].share == 25.0
    assert headline["retired"].count == 1  # 孙八; 陈十三 retired only in 2025
    assert headline["floating"].count == 1  # 周九; 蒋十六 left in September
    assert headline["lost_contact"].count == 1
    assert [(row.label, row.count) for row in stats.minorities] == [
        ("回族", 2),
        ("蒙古族", 1),
        ("满族", 1),
    ]
    assert rows_of(stats, "age")["unknown"] == 1  # 沈十七
    assert rows_of(stats, "age")["61-"] == 2  # 孙八 74, 褚十四 64
    assert rows_of(stats, "age")["56-60"] == 1  # 陈十三, 59
    assert rows_of(stats, "party_age")["40-50"] == 2  # 褚十四 (1980), 孙八 (1976)


def test_it_follows_the_date_forward_and_back(roster):
    past = party_statistics(roster.alice, roster.mine, ON)
    today = party_statistics(roster.alice, roster.mine, date.today())
    # 赵六 left in 2025 and is gone today; 冯十二 joined in 2025 and is counted today.
    assert today.total == past.total
    names_then = {row.person.name for row in counted(ON, roster.mine.path)}
    names_now = {row.person.name for row in counted(date.today(), roster.mine.path)}
    assert names_then - names_now == {"赵六"}
    assert names_now - names_then == {"冯十二"}
    before_everyone = party_statistics(roster.alice, roster.mine, date(1970, 1, 1))
    assert before_everyone.total == 0
    assert all(row.count == 0 for row in before_everyone.headline)


def test_it_tables_each_direct_child_with_its_own_totals(roster):
    stats = party_statistics(roster.alice, roster.mine, ON)
    table = {row.label: row for row in stats.children}
    assert set(table) == {"综采一队党支部", "掘进二队党支部"}
    for row in stats.children:
        members = counted(ON, row.organization.path)
        assert row.total == len(members)
        assert row.full == sum(is_full(one, ON) for one in members)
        assert row.women == sum(one.person.gender == Gender.FEMALE for one in members)
        assert row.retired == sum(is_retired(one, ON) for one in members)
    assert sum(row.total for row in stats.children) == stats.total


def test_a_branch_tables_its_party_groups_and_the_members_in_none(roster):
    stats = party_statistics(roster.alice, roster.branch1, ON)
    table = {row.label: row.total for row in stats.children}
    assert stats.children_title == "党小组"
    assert table == {"第一党小组": 1, "未编入党小组": stats.total - 1}


def test_members_held_by_a_committee_itself_get_their_own_row(roster):
    member(roster.mine, "机关党员")
    stats = party_statistics(roster.alice, roster.mine, date.today())
    own = [row for row in stats.children if row.organization is None]
    assert [(row.label, row.total) for row in own] == [("本级直属党员", 1)]


def test_a_party_group_counts_the_members_organised_in_it(roster):
    stats = party_statistics(roster.alice, roster.group1, ON)
    assert stats.total == 1
    assert stats.children == []


def test_the_whole_group_counts_only_what_the_user_may_see(roster):
    with pytest.raises(Http404):
        party_statistics(roster.alice, roster.group, ON)
    with pytest.raises(Http404):
        party_statistics(roster.dave, roster.mine, ON)
    with pytest.raises(Http404):
        party_statistics(roster.charlie, roster.mine, ON)
    assert party_statistics(roster.dave, roster.mine2, ON).total == 1


def test_it_counts_the_whole_tree_in_a_fixed_number_of_queries(
    roster, django_assert_max_num_queries
):
    mine = Organization.objects.get(pk=roster.mine.pk)
    for number in range(5):
        branch = Organization.objects.add_child(
            mine, {"org_type": OrgType.BRANCH, "name": f"新支部{number}", "code": f"N{number}"}
        )
        for index in range(3):
            member(branch, f"新党员{number}{index}")
        mine.refresh_from_db()
    with django_assert_max_num_queries(5):
        stats = party_statistics(roster.alice, roster.mine, ON)
    assert len(stats.children) == 7

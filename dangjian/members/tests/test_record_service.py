"""The shared record checks (`check_record`) and write (`record_save`) of members."""

from datetime import date

import pytest

from dangjian.audit.models import AuditEntry
from dangjian.core.crypto import lookup_hash
from dangjian.core.idnumbers import make_id_number
from dangjian.members.models import Category, Member, Person, RecordChange
from dangjian.members.services.people import RecordInvalid, record_save
from dangjian.members.tests.factories import make_member
from dangjian.members.validation import check_record

TODAY = date(2026, 11, 24)
MALE_ID = make_id_number("410402", date(1985, 6, 15), 13)  # odd sequence: male
FEMALE_ID = make_id_number("410402", date(1990, 3, 8), 24)


def values(world, **changes):
    base = {
        "name": "张三",
        "id_number": MALE_ID,
        "organization": world.branch1,
        "category": Category.FULL,
        "joined_on": date(2010, 7, 1),
        "full_member_on": date(2011, 7, 1),
    }
    return {**base, **changes}


def problems(world, **changes):
    return dict(check_record(values(world, **changes), today=TODAY).problems)


def test_a_complete_record_passes_and_derives_gender_and_birth_date(world):
    checked = check_record(values(world), today=TODAY)
    assert checked.ok
    assert checked.values["gender"] == "male"
    assert checked.values["birth_date"] == date(1985, 6, 15)


def test_a_legacy_15_digit_number_is_stored_as_its_18_digit_form(world):
    legacy = MALE_ID[:6] + MALE_ID[8:17]
    checked = check_record(values(world, id_number=legacy), today=TODAY)
    assert checked.ok
    assert checked.values["id_number"] == MALE_ID


def test_a_wrong_check_character_names_the_right_one(world):
    wrong = MALE_ID[:17] + ("0" if MALE_ID[17] != "0" else "1")
    assert f"最后一位应为 {MALE_ID[17]}" in problems(world, id_number=wrong)["id_number"]


def test_gender_and_birth_date_are_cross_checked_with_the_id_number(world):
    found = problems(world, gender="female", birth_date=date(1985, 6, 16))
    assert "身份证号第 17 位表示男性" in found["gender"]
    assert "1985-06-15" in found["birth_date"]


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"name": " "}, "name", "姓名不能为空"),
        ({"id_number": ""}, "id_number", "身份证号不能为空"),
        ({"mobile": "1381234567"}, "mobile", "11 位"),
        ({"full_member_on": None}, "full_member_on", "须填写转正日期"),
        ({"category": Category.PROBATIONARY}, "full_member_on", "转正日期应为空"),
        ({"full_member_on": date(2009, 1, 1)}, "full_member_on", "早于入党日期"),
        ({"joined_on": date(2027, 1, 1), "full_member_on": None,
          "category": Category.PROBATIONARY}, "joined_on", "不能晚于今天"),
        ({"joined_on": date(2002, 1, 1), "full_member_on": date(2003, 1, 1)},
         "joined_on", "未满 18 周岁"),
        ({"organization": None}, "organization", "不能为空"),
    ],
)  # fmt: skip
def test_each_problem_is_reported_on_its_field_in_chinese(world, changes, field, text):
    assert text in problems(world, **changes)[field]


def test_a_party_group_must_be_a_group_of_the_chosen_branch(world):
    assert "不是" in problems(world, party_group=world.branch2)["party_group"]
    assert "不能是党小组" in problems(world, organization=world.group1)["organization"]
    assert "party_group" not in problems(world, party_group=world.group1)


def test_record_save_creates_a_member_with_hashes_scope_history_and_audit(world):
    person = record_save(actor=world.alice, values=values(world, mobile="13912345678"))
    person.refresh_from_db()
    assert person.organization_id == world.branch1.pk
    assert person.membership.organization_id == world.branch1.pk
    assert person.id_number_hash == lookup_hash(MALE_ID)
    assert person.mobile_hash == lookup_hash("13912345678")
    assert " zs " in person.pinyin_key
    world.branch1.refresh_from_db()
    world.mine.refresh_from_db()
    assert (world.branch1.member_count, world.mine.member_count) == (1, 1)
    history = RecordChange.objects.get(person=person)
    assert history.note == "新建档案"
    entry = AuditEntry.objects.get(action="members.record_create")
    for text in (str(history.changes), str(entry.after)):
        assert MALE_ID not in text and "13912345678" not in text
        assert "410402********" in text or "139****5678" in text


def test_record_save_updates_only_what_changed_and_keeps_masked_history(world):
    member = make_member(world.branch1, "李四", gender="female", birth=date(1990, 3, 8))
    record_save(
        actor=world.bob, person=member.person, values={"id_number": FEMALE_ID, "post": "采煤工"}
    )
    change = RecordChange.objects.filter(person=member.person).latest("changed_at")
    fields = {c["field"]: c for c in change.changes}
    assert set(fields) == {"id_number", "post"}
    assert fields["id_number"]["after"] == FEMALE_ID[:6] + "********" + FEMALE_ID[-4:]


def test_a_refused_save_changes_nothing(world):
    make_member(world.branch2, "王五", id_number=MALE_ID)
    before = (Person.objects.count(), Member.objects.count(), RecordChange.objects.count())
    with pytest.raises(RecordInvalid) as refused:
        record_save(actor=world.alice, values=values(world))
    assert ("id_number", "身份证号已登记在“王五”名下，同一人不能登记两次。") in (
        refused.value.problems
    )
    assert (Person.objects.count(), Member.objects.count(), RecordChange.objects.count()) == before


def test_an_organisation_outside_the_actors_scope_answers_like_missing(world):
    from django.http import Http404

    with pytest.raises(Http404):
        record_save(actor=world.bob, values=values(world, organization=world.branch2))
    with pytest.raises(Http404):
        record_save(actor=world.dave, values=values(world))
    assert not Person.objects.exists()


def test_text_longer_than_its_column_is_refused_with_the_limit(world):
    found = problems(world, school="某" * 101, post="岗" * 51)
    assert found["school"] == "毕业院校不能超过 100 个字（现有 101 个）。"
    assert "岗位不能超过 50 个字" in found["post"]


def test_every_audited_member_action_has_a_chinese_label():
    """Each action code written by the members app is labelled on the audit page."""
    import re
    from pathlib import Path

    from dangjian.audit.actions import LABELS

    app = Path(__file__).resolve().parent.parent
    sources = [p.read_text() for p in app.rglob("*.py") if "tests" not in p.parts]
    codes = set()
    for text in sources:
        codes |= set(re.findall(r'action=f?"(members\.[a-z_]+)', text))
        codes |= set(re.findall(r'[A-Z_]+ACTION = "(members\.[a-z_]+)"', text))
    codes |= {f"members.member_{kind}" for kind in ("suspend", "restore", "leave", "death")}
    missing = sorted(code for code in codes if code not in LABELS)
    assert codes and not missing, missing

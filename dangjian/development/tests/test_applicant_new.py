"""新建人员档案并登记申请: a worker without a record becomes a person held by the branch and
an applicant in one transaction; any problem leaves neither."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.urls import reverse

from dangjian.audit.models import AuditEntry
from dangjian.core.crypto import lookup_hash
from dangjian.core.idnumbers import make_id_number
from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.development.models import DevelopmentCase, State
from dangjian.members.models import Person, RecordChange
from dangjian.members.services.applicants import applicant_person_create
from dangjian.members.services.people import RecordInvalid
from dangjian.members.tests.factories import make_member, make_person
from dangjian.orgs.models import Unit

ID = make_id_number("410402", date(1998, 5, 20), 13)  # male
NEW = reverse("development:case_new_person")


def form(world, **changes):
    data = {
        "name": "孙立新",
        "id_number": ID,
        "ethnicity": "01",
        "native_place": "河南平顶山",
        "work_number": "M1-0999",
        "education": "",
        "post": "采煤机司机",
        "mobile": "13903750001",
        "organization": world.branch1.pk,
        "applied_on": "2025-03-01",
        "received_on": "2025-03-03",
    }
    return {**data, **changes}


def nothing_created():
    return (
        not Person.objects.filter(name="孙立新").exists() and not DevelopmentCase.objects.exists()
    )


def state():
    return (Person.objects.count(), DevelopmentCase.objects.count(), RecordChange.objects.count())


def _pdf(name="申请书.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")


# ---------------------------------------------------------------- access


def test_page_matrix(client, world):
    assert_access_matrix(client, url=NEW, in_scope=world.bob, no_role=world.charlie)


def test_post_matrix_creates_only_in_scope(client, world):
    result = assert_access_matrix(
        client, url=NEW, method="post", data=form(world), in_scope=world.bob,
        out_of_scope=world.dave, no_role=world.charlie,
        expect={"out_of_scope": 200, "in_scope": 302}, state=state,
    )  # fmt: skip
    assert "不在您的权限范围内" in result.responses["out_of_scope"].content.decode()
    assert Person.objects.filter(name="孙立新").count() == 1


def test_unit_options_are_those_of_the_scope(client, world):
    Unit.objects.create(name="综采一队", code="U1", owner=world.mine)
    Unit.objects.create(name="综采三队", code="U3", owner=world.mine2)
    options = reverse("development:unit_options")
    result = assert_access_matrix(
        client, url=options + "?unit_q=综采", in_scope=world.bob, no_role=world.charlie
    )
    page = result.responses["in_scope"].content.decode()
    assert "综采一队" in page and "综采三队" not in page


def test_the_new_case_page_offers_both_ways(client, world):
    client.force_login(world.bob)
    page = client.get(reverse("development:case_new")).content.decode()
    assert "选择已有人员" in page and NEW in page


# ---------------------------------------------------------------- creating


def test_the_person_and_the_case_are_created_together(client, world):
    unit = Unit.objects.create(name="综采一队", code="U1", owner=world.mine)
    client.force_login(world.bob)
    response = client.post(NEW, form(world, unit=unit.pk, application_file=_pdf()))
    person = Person.objects.get(name="孙立新")
    case = DevelopmentCase.objects.get(person=person)
    assert response.status_code == 302 and response["Location"] == reverse(
        "development:case_detail", args=[case.pk]
    )
    assert person.organization == world.branch1 and person.unit == unit
    assert person.gender == "male" and person.birth_date == date(1998, 5, 20)
    assert person.id_number_hash == lookup_hash(ID) and person.mobile_hash
    assert not hasattr(person, "membership")
    assert case.state == State.APPLIED and case.organization == world.branch1
    assert case.applied_on == date(2025, 3, 1) and case.materials.get().kind == "application"
    change = RecordChange.objects.get(person=person)
    assert change.note == "新建入党申请人档案"
    assert ID not in str(change.changes) and "13903750001" not in str(change.changes)
    assert AuditEntry.objects.filter(action="development.applicant_create").count() == 1
    page = client.get(response["Location"]).content.decode()
    assert ID not in page and "13903750001" not in page


def test_posting_twice_creates_one_person(client, world):
    client.force_login(world.bob)
    data = form(world, form_token="a" * 32)
    first = client.post(NEW, data)
    second = client.post(NEW, data)
    assert first.status_code == 302 and second.status_code == 302
    assert second["Location"] == first["Location"]
    assert Person.objects.filter(name="孙立新").count() == 1
    assert DevelopmentCase.objects.count() == 1


# ---------------------------------------------------------------- bad input


WRONG_CHECKSUM = ID[:-1] + ("0" if ID[-1] != "0" else "1")
MINOR = make_id_number("410402", date(2008, 6, 1), 13)


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"id_number": WRONG_CHECKSUM}, "id_number", "校验"),
        ({"id_number": ""}, "id_number", "身份证号不能为空"),
        ({"id_number": "4104021998"}, "id_number", "应为 18 位"),
        ({"name": ""}, "name", "姓名不能为空"),
        ({"gender": "female"}, "gender", "性别与身份证号不符"),
        ({"birth_date": "1998-05-21"}, "birth_date", "出生日期与身份证号不符"),
        ({"mobile": "12345"}, "mobile", "手机号应为 11 位数字"),
        ({"birth_date": "1998-02-30"}, "birth_date", "日期格式不正确"),
        ({"received_on": "2025-02-01"}, "received_on", "不能早于申请书落款日期"),
        ({"organization": ""}, "organization", "请选择培养申请人的党支部"),
        ({"unit": "999999"}, "unit", "所选单位不在您的权限范围内"),
        ({"application_file": "exe"}, "application_file", "入党申请书格式不对"),
        ({"id_number": MINOR}, None, "18"),
    ],
)
def test_bad_input_says_what_to_fix_and_creates_nothing(client, world, changes, field, message):
    if changes.get("application_file") == "exe":
        changes = {"application_file": SimpleUploadedFile("申请书.pdf", b"MZ\x90\x00binary")}
    client.force_login(world.bob)
    response = client.post(NEW, form(world, **changes))
    assert response.status_code == 200
    errors = response.context["form"].errors
    text = " ".join(errors.get(field or "__all__", []))
    assert message in text, errors
    assert nothing_created()
    assert not AuditEntry.objects.filter(action="development.applicant_create").exists()


def test_under_18_shows_the_rule_and_creates_nothing(client, world):
    client.force_login(world.bob)
    response = client.post(NEW, form(world, id_number=MINOR))
    page = response.content.decode()
    assert "依据" in page and "2026-06-01" in page  # the earliest date: the 18th birthday
    assert nothing_created()


def test_an_existing_person_is_to_be_chosen_not_created_again(client, world):
    make_person(world.branch1, "孙立新", id_number=ID)
    client.force_login(world.bob)
    response = client.post(NEW, form(world, work_number="M1-1000"))
    message = " ".join(response.context["form"].errors["id_number"])
    assert "选择已有人员" in message and "孙立新" in message
    assert Person.objects.filter(name="孙立新").count() == 1
    assert not DevelopmentCase.objects.exists()


def test_a_member_with_that_id_number_cannot_apply(client, world):
    make_member(world.branch1, "孙立新", id_number=ID)
    client.force_login(world.bob)
    response = client.post(NEW, form(world, work_number="M1-1000"))
    assert "党员不能再登记入党申请" in " ".join(response.context["form"].errors["id_number"])


def test_a_duplicate_outside_the_scope_does_not_show_the_name(client, world):
    make_person(world.branch3, "王某某", id_number=ID)
    client.force_login(world.bob)
    response = client.post(NEW, form(world, work_number="M1-1000"))
    message = " ".join(response.context["form"].errors["id_number"])
    assert "不在您的管理范围内" in message and "王某某" not in message
    assert "选择已有人员" in message


def test_a_duplicate_work_number_is_refused(client, world):
    make_person(world.branch1, "赵六", work_number="M1-0999")
    client.force_login(world.bob)
    response = client.post(NEW, form(world))
    assert "工号 M1-0999 已被" in " ".join(response.context["form"].errors["work_number"])
    assert nothing_created()


def test_a_work_number_used_outside_the_scope_does_not_show_the_name(client, world):
    make_person(world.branch3, "王某某", work_number="M1-0999")
    client.force_login(world.bob)
    response = client.post(NEW, form(world))
    message = " ".join(response.context["form"].errors["work_number"])
    assert "已被其他人员使用" in message and "王某某" not in message
    assert nothing_created()


# ---------------------------------------------------------------- the service


def test_the_service_refuses_a_branch_outside_the_scope(world):
    with pytest.raises(Http404):
        applicant_person_create(
            actor=world.bob, organization=world.branch2, values={"name": "孙立新", "id_number": ID}
        )
    assert not Person.objects.exists()


def test_the_service_lists_every_problem(world):
    with pytest.raises(RecordInvalid) as refused:
        applicant_person_create(
            actor=world.alice,
            organization=world.branch1,
            values={"name": "", "id_number": WRONG_CHECKSUM, "mobile": "1"},
        )
    fields = {field for field, _ in refused.value.problems}
    assert fields == {"name", "id_number", "mobile"}
    assert not Person.objects.exists()

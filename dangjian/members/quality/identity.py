"""The ID-number checks: the same number on two records, numbers that break GB 11643, members
without one, and a registered gender or birth date that the number contradicts. They look at
every person whose record lies in the subtree, member or not.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from django.db.models import Count

from dangjian.core.idnumbers import mask_id_number
from dangjian.members.models import Gender, Person
from dangjian.members.quality.registry import DANGER, WARNING, Finding, check
from dangjian.members.quality.subtree import CHUNK, Subtree

GENDER_LABELS = dict(Gender.choices)


def _duplicated_hashes():
    """ID-number hashes held by more than one person, anywhere in the tree (GROUP BY)."""
    return (
        Person.objects.exclude(id_number_hash="")
        .values("id_number_hash")
        .annotate(holders=Count("pk"))
        .filter(holders__gt=1)
        .values("id_number_hash")
    )


@check(
    "duplicate_id",
    "身份证号重复",
    severity=DANGER,
    why="同一个身份证号登记在两份以上的人员档案上，通常是同一人被重复录入（如导入时未匹配到原档案），"
    "会造成党员重复统计、党费重复收缴，按身份证号查找时也无法确定是哪一份。",
    fix="核对这几份档案，保留正确的一份，把另一份的信息合并后删除；若确属不同的人，更正录错的身份证号。",
)
def find_duplicate_ids(subtree: Subtree) -> Iterator[Finding]:
    holders = defaultdict(list)
    rows = (
        Person.objects.filter(id_number_hash__in=_duplicated_hashes(), organization__isnull=False)
        .select_related("organization")
        .only("name", "id_number", "id_number_hash", "organization__name", "organization__path")
        .order_by("id_number_hash", "pk")
    )
    for person in rows:
        holders[person.id_number_hash].append(person)
    for people in holders.values():
        for person in people:
            if person.organization.path.startswith(subtree.path):
                others = [other for other in people if other.pk != person.pk]
                yield Finding(person.pk, person.organization_id, _duplicate_text(person, others))


def _duplicate_text(person, others) -> str:
    places = []
    for other in others:
        if other.organization_id == person.organization_id:
            places.append(f"本组织的{other.name}")
        else:
            places.append(other.organization.name)
    return f"身份证号 {mask_id_number(person.id_number)} 与另外 {len(others)} 份档案相同：" + (
        "、".join(places)
    )


@check(
    "invalid_id",
    "身份证号无效",
    severity=DANGER,
    why="身份证号不符合 GB 11643 的规则（位数、出生日期或校验位不对），说明录入时有数字录错，"
    "按身份证号查找、与其他系统核对时都会对不上。",
    fix="对照本人身份证更正身份证号；15 位旧号码可直接录入，系统会自动转换为 18 位。",
)
def find_invalid_ids(subtree: Subtree) -> Iterator[Finding]:
    for row in subtree.id_numbers():
        if row.problem:
            yield Finding(row.person_id, row.organization_id, f"身份证号{row.problem}")


@check(
    "missing_id",
    "缺少身份证号",
    severity=WARNING,
    why="身份证号是党员唯一的身份标识，组织关系转接、全国党员管理信息系统比对、党费和统计都依赖它；"
    "缺少它也无法发现重复档案。",
    fix="向本人或人事部门核实后补录身份证号。",
)
def find_missing_ids(subtree: Subtree) -> Iterator[Finding]:
    members = subtree.held_members().filter(person__id_number="")
    for pk, organization_id in members.values_list("person_id", "organization_id").iterator(
        chunk_size=CHUNK
    ):
        yield Finding(pk, organization_id, "未登记身份证号")


@check(
    "id_gender",
    "性别与身份证号不符",
    severity=DANGER,
    why="身份证号第 17 位单数为男、双数为女；登记的性别与之不同，说明性别或身份证号有一项录错，"
    "党内统计的性别结构会因此出错。",
    fix="对照本人身份证，更正性别或身份证号。",
)
def find_gender_mismatches(subtree: Subtree) -> Iterator[Finding]:
    for row in subtree.id_numbers():
        if row.id_gender and row.gender != row.id_gender:
            registered = GENDER_LABELS.get(row.gender, "未填")
            derived = GENDER_LABELS[row.id_gender]
            text = f"性别登记为{registered}，身份证号显示为{derived}"
            yield Finding(row.person_id, row.organization_id, text)


@check(
    "id_birth",
    "出生日期与身份证号不符",
    severity=DANGER,
    why="出生日期应与身份证号第 7–14 位一致；不一致时年龄、党龄分组和退休判断都会出错。",
    fix="对照本人身份证，更正出生日期或身份证号。",
)
def find_birth_mismatches(subtree: Subtree) -> Iterator[Finding]:
    for row in subtree.id_numbers():
        birth = row.birth_date
        if row.id_birth_date and birth is not None and birth != row.id_birth_date:
            # The registered date only: the ID's date is the masked part of the number.
            text = f"登记的出生日期 {birth:%Y-%m-%d} 与身份证号中的不一致"
            yield Finding(row.person_id, row.organization_id, text)

"""The membership checks: one person held by two organisations, memberships held by a 党小组
or a dissolved organisation or by a 党委/党总支 that is not a 机关, and members transferred out
who still sit in a 党小组 or a committee. They look at the members whose membership lies in the
subtree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from django.db.models import Count, F, Q

from dangjian.members.models import Member, Status
from dangjian.members.quality.registry import DANGER, WARNING, Finding, check
from dangjian.members.quality.subtree import CHUNK, HELD, Subtree
from dangjian.orgs.models import BRANCH_TYPES, CommitteePost, OrgType

# A 党委 or 党总支 may hold members directly only as the 机关's organisation; the tree has no
# flag for that, so the name says it (机关党委, 机关党总支).
OFFICE_MARK = "机关"


def _two_branch_hashes(subtree: Subtree):
    """ID-number hashes of the subtree's members that members of more than one organisation
    hold (the other holders may be anywhere)."""
    own = subtree.members().exclude(person__id_number_hash="").values("person__id_number_hash")
    return (
        Member.objects.filter(person__id_number_hash__in=own)
        .values("person__id_number_hash")
        .annotate(places=Count("organization", distinct=True))
        .filter(places__gt=1)
        .values("person__id_number_hash")
    )


@check(
    "two_branches",
    "同一人在两个党组织",
    severity=DANGER,
    why="一名党员只能有一个组织关系。人员档案所属组织与组织关系所在组织不一致，或同一身份证号在两个党组织"
    "都登记为党员，会造成重复统计、重复收缴党费，也说明组织关系转接没有办完。",
    fix="查明党员组织关系实际所在的党支部：转接未办完的办理转接，重复登记的删除多余的一份。",
)
def find_two_branches(subtree: Subtree) -> Iterator[Finding]:
    details: dict[int, tuple[int, list[str]]] = {}
    mismatched = (
        subtree.members()
        .filter(~Q(person__organization=F("organization")) | Q(person__organization=None))
        .values_list("person_id", "organization_id", "organization__name")
        .annotate(record_place=F("person__organization__name"))
    )
    for person_id, organization_id, place, record_place in mismatched.iterator(chunk_size=CHUNK):
        text = f"组织关系在{place}，人员档案却记在{record_place or '（未指定组织）'}"
        details[person_id] = (organization_id, [text])
    yield from _findings_with_twins(subtree, details)


def _findings_with_twins(subtree: Subtree, details) -> Iterator[Finding]:
    twins = defaultdict(list)
    rows = (
        Member.objects.filter(person__id_number_hash__in=_two_branch_hashes(subtree))
        .select_related("organization")
        .select_related("person")
        .only("person__id_number_hash", "organization__name", "organization__path")
        .order_by("organization__path")
    )
    for member in rows:
        twins[member.person.id_number_hash].append(member)
    for members in twins.values():
        names = sorted({member.organization.name for member in members})
        for member in members:
            if member.organization.path.startswith(subtree.path):
                text = f"同一身份证号在 {len(names)} 个党组织登记为党员：{'、'.join(names)}"
                details.setdefault(member.person_id, (member.organization_id, []))[1].append(text)
    for person_id, (organization_id, texts) in details.items():
        yield Finding(person_id, organization_id, "；".join(texts)[:300])


@check(
    "org_invalid",
    "所在组织无效",
    severity=DANGER,
    why="党员的组织关系只能在党支部（或机关的党委、党总支）；党小组只是支部内的划分，不能管理组织关系；"
    "已撤销的组织也不能再管理党员。这样的党员不会出现在任何支部的名册和统计中。",
    fix="把党员的组织关系改到正确的党支部，原来的党小组可填在“所在党小组”中。",
)
def find_invalid_organizations(subtree: Subtree) -> Iterator[Finding]:
    members = (
        subtree.members()
        .filter(status__in=HELD)
        .filter(
            Q(organization__org_type=OrgType.GROUP)
            | Q(organization__is_active=False)
            | Q(organization__dissolved_on__isnull=False)
        )
        .select_related("organization")
        .only("person", "organization__name", "organization__org_type")
    )
    for member in members.iterator(chunk_size=CHUNK):
        organization = member.organization
        if organization.org_type == OrgType.GROUP:
            text = f"组织关系记在党小组“{organization.name}”，应记在其所属党支部"
        else:
            text = f"组织关系所在的“{organization.name}”已撤销"
        yield Finding(member.person_id, member.organization_id, text)


@check(
    "org_not_branch",
    "由党委或党总支直接管理",
    severity=WARNING,
    why="党员一般编入党支部；只有机关的党委、党总支可以直接管理党员。其他党委、党总支名下的党员"
    "多半是录入时选错了组织。",
    fix="若该组织确为机关党组织，请在名称中注明“机关”；否则把党员的组织关系改到所在的党支部。",
)
def find_held_by_committees(subtree: Subtree) -> Iterator[Finding]:
    members = (
        subtree.members()
        .filter(status__in=HELD, organization__is_active=True)
        .exclude(organization__org_type__in=(*BRANCH_TYPES, OrgType.GROUP))
        .exclude(organization__name__contains=OFFICE_MARK)
        .select_related("organization")
        .only("person", "organization__name", "organization__org_type")
    )
    for member in members.iterator(chunk_size=CHUNK):
        organization = member.organization
        kind = organization.get_org_type_display()
        text = f"组织关系直接记在{kind}“{organization.name}”，不在党支部"
        yield Finding(member.person_id, member.organization_id, text)


@check(
    "transferred_active",
    "已转出仍在组织中",
    severity=WARNING,
    why="党籍状态为“转出”的党员，组织关系已转到别处，但仍编在党小组或仍在班子中任职，"
    "会被算进党小组活动和班子人数，转出手续可能没有办完。",
    fix="转出已办完的，把该党员移出党小组并办理班子职务离任；转出未办完的，更正党籍状态。",
    scored=False,
)
def find_transferred_still_active(subtree: Subtree) -> Iterator[Finding]:
    transferred = subtree.members().filter(status=Status.TRANSFERRED_OUT)
    open_posts = set(
        CommitteePost.objects.filter(
            person__membership__in=transferred,
            ended_on__isnull=True,
            committee__is_current=True,
        ).values_list("person_id", flat=True)
    )
    members = (
        transferred.filter(Q(party_group__isnull=False) | Q(person_id__in=open_posts))
        .select_related("party_group")
        .only("person", "organization", "party_group__name")
    )
    for member in members.iterator(chunk_size=CHUNK):
        signs = []
        if member.party_group_id:
            signs.append(f"仍编在{member.party_group.name}")
        if member.person_id in open_posts:
            signs.append("仍在现任班子中任职")
        yield Finding(member.person_id, member.organization_id, "已转出，但" + "、".join(signs))

"""The deadline checks: probationary members whose year of probation has ended without a
decision, and lost-contact members past the months after which the membership is suspended,
each by the rule in force.
"""

from __future__ import annotations

from collections.abc import Iterator

from dangjian.core.rules import rule_value
from dangjian.members.display import probation_end
from dangjian.members.models import IN_GOOD_STANDING, Category
from dangjian.members.quality.registry import DANGER, FIX_STATUS, WARNING, Finding, check
from dangjian.members.quality.subtree import CHUNK, Subtree
from dangjian.orgs.dates import add_months


@check(
    "probation_overdue",
    "预备期满未转正",
    severity=DANGER,
    why="预备期自支部大会通过之日起计算一年（党章第七条）。期满后支部应及时讨论转正、延长预备期或取消"
    "预备党员资格；逾期不处理，党龄和统计都会出错。",
    fix="召开支部大会讨论转正并报批后，在编辑页登记转正日期、把党员类别改为正式党员；"
    "延长预备期的，登记延长情况。",
)
def find_overdue_probations(subtree: Subtree) -> Iterator[Finding]:
    months = rule_value("members.probation_months", subtree.today)
    cutoff = add_months(subtree.today, -months)  # joined before this → probation has ended
    members = (
        subtree.members()
        .filter(category=Category.PROBATIONARY, status__in=IN_GOOD_STANDING)
        .filter(joined_on__lt=cutoff)
        .only("person", "organization", "joined_on")
    )
    for member in members.iterator(chunk_size=CHUNK):
        ended = probation_end(member)  # by the rule in force on the joining date
        if ended is not None and ended < subtree.today:
            text = f"预备期已于 {ended:%Y-%m-%d} 届满（入党 {member.joined_on:%Y-%m-%d}），尚未转正"
            yield Finding(member.person_id, member.organization_id, text)


@check(
    "lost_contact_overdue",
    "失联超期未停止党籍",
    severity=WARNING,
    why="与党组织失去联系 6 个月以上、经查找仍无音讯的党员，应当停止党籍"
    "（《中国共产党党员教育管理工作条例》）。超期仍为“正常”的，名册和统计都不准确。",
    fix="继续查找；确实联系不上的，经支部研究后办理停止党籍；已联系上的，取消失联标记。",
    fix_url=FIX_STATUS,
)
def find_overdue_lost_contacts(subtree: Subtree) -> Iterator[Finding]:
    months = rule_value("members.lost_contact_suspend_months", subtree.today)
    cutoff = add_months(subtree.today, -months)
    members = (
        subtree.members()
        .filter(is_lost_contact=True, status__in=IN_GOOD_STANDING, lost_contact_since__lte=cutoff)
        .only("person", "organization", "lost_contact_since")
    )
    for member in members.iterator(chunk_size=CHUNK):
        text = f"自 {member.lost_contact_since:%Y-%m-%d} 失联已超过 {months} 个月，党籍仍为正常"
        yield Finding(member.person_id, member.organization_id, text)

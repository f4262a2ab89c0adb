"""Warnings about organisations (domain.md §3.1 size thresholds, §3.4 terms).

Every check is a rule in `orgs/rules.py` with its source. The figures come from one annotated
query (summary counts kept on `Organization`, the current committee's end date and size, the
number of units covered, each as a correlated subquery), so the warnings of one organisation or
of a whole subtree cost the same fixed number of queries, however many organisations there are.
"""

import datetime
from typing import NamedTuple

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from dangjian.core.rules import definition, rule_value
from dangjian.core.scope import prefix_q
from dangjian.orgs import rules
from dangjian.orgs.dates import add_months
from dangjian.orgs.models import BRANCH_TYPES, Committee, CommitteePost, Organization, OrgType

DANGER, WARNING, INFO = "danger", "warning", "info"  # Bootstrap contextual names
LEVEL_LABELS = {DANGER: "严重", WARNING: "警告", INFO: "提示"}


class OrgWarning(NamedTuple):
    organization: Organization
    level: str
    message: str
    rule_key: str

    @property
    def source(self) -> str:
        return definition(self.rule_key).source

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS[self.level]


class Limits(NamedTuple):
    """The rule values in force on one day, read once per computation."""

    today: datetime.date
    max_members: int
    committee_required: int
    min_size: int
    max_size: int
    notice_months: int
    urgent_months: int
    overdue_days: int
    max_units: int

    @classmethod
    def on(cls, today: datetime.date) -> "Limits":
        return cls(
            today=today,
            max_members=rule_value(rules.BRANCH_MAX_MEMBERS, today),
            committee_required=rule_value(rules.COMMITTEE_REQUIRED_FULL_MEMBERS, today),
            min_size=rule_value(rules.COMMITTEE_MIN_SIZE, today),
            max_size=rule_value(rules.COMMITTEE_MAX_SIZE, today),
            notice_months=rule_value(rules.TERM_NOTICE_MONTHS, today),
            urgent_months=rule_value(rules.TERM_URGENT_MONTHS, today),
            overdue_days=rule_value(rules.TERM_OVERDUE_DAYS, today),
            max_units=rule_value(rules.JOINT_BRANCH_MAX_UNITS, today),
        )

    @property
    def notice_before(self) -> datetime.date:
        return add_months(self.today, self.notice_months)


def _count_subquery(queryset: QuerySet, group_by: str, counted: str) -> Coalesce:
    counts = (
        queryset.order_by()
        .values(group_by)
        .annotate(total=Count(counted, distinct=True))
        .values("total")[:1]
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def with_figures(queryset: QuerySet) -> QuerySet:
    """Annotate what the checks need: current term end, committee size, units covered."""
    current = Committee.objects.filter(organization=OuterRef("pk"), is_current=True)
    open_posts = CommitteePost.objects.filter(
        committee__organization=OuterRef("pk"),
        committee__is_current=True,
        ended_on__isnull=True,
    )
    covered = Organization.units.through.objects.filter(organization_id=OuterRef("pk"))
    return queryset.annotate(
        current_term_end=Subquery(current.values("term_end")[:1]),
        committee_size=_count_subquery(open_posts, "committee__organization", "person"),
        unit_count=_count_subquery(covered, "organization_id", "unit_id"),
    )


def _problem_condition(limits: Limits) -> Q:
    """Rows with at least one warning, so a page of warnings paginates in the database."""
    branch = Q(org_type__in=BRANCH_TYPES)
    needs_committee = branch & Q(full_member_count__gte=limits.committee_required)
    has_committee = Q(current_term_end__isnull=False)
    return (
        (branch & Q(member_count__gt=limits.max_members))
        | (needs_committee & ~has_committee)
        | (needs_committee & has_committee & Q(committee_size__lt=limits.min_size))
        | (branch & has_committee & Q(committee_size__gt=limits.max_size))
        | Q(current_term_end__lte=limits.notice_before)
        | Q(org_type=OrgType.JOINT_BRANCH, unit_count__gt=limits.max_units)
    )


def organizations_with_warnings(paths, today: datetime.date | None = None) -> QuerySet:
    """Active organisations under these path prefixes that have a warning, annotated, by path."""
    limits = Limits.on(today or timezone.localdate())
    condition = prefix_q("path", paths)
    if condition is None:
        return Organization.objects.none()
    queryset = with_figures(Organization.objects.filter(condition, is_active=True))
    return queryset.filter(_problem_condition(limits)).order_by("path")


def warnings_for_rows(rows, today: datetime.date | None = None) -> list[OrgWarning]:
    """The warnings of annotated rows (from `with_figures`), in row order."""
    limits = Limits.on(today or timezone.localdate())
    return [warning for org in rows for warning in _checks(org, limits)]


def organization_warnings(
    organization: Organization, today: datetime.date | None = None
) -> list[OrgWarning]:
    """The warnings of one organisation (one query)."""
    if not organization.is_active:
        return []
    row = with_figures(Organization.objects.filter(pk=organization.pk)).first()
    return warnings_for_rows([row] if row else [], today)


def subtree_warnings(root: Organization, today: datetime.date | None = None) -> list[OrgWarning]:
    """The warnings of every active organisation in the subtree of `root` (one query)."""
    return warnings_for_rows(organizations_with_warnings([root.path], today), today)


# ---------------------------------------------------------------- the checks


def _checks(org: Organization, limits: Limits) -> list[OrgWarning]:
    found: list[OrgWarning] = []
    if org.org_type in BRANCH_TYPES:
        found += _branch_checks(org, limits)
    if org.current_term_end is not None:
        found += _term_checks(org, limits)
    if org.org_type == OrgType.JOINT_BRANCH and org.unit_count > limits.max_units:
        text = f"联合党支部覆盖 {org.unit_count} 个单位，一般不超过 {limits.max_units} 个"
        found.append(OrgWarning(org, INFO, text, rules.JOINT_BRANCH_MAX_UNITS))
    return found


def _branch_checks(org: Organization, limits: Limits) -> list[OrgWarning]:
    found = []
    if org.member_count > limits.max_members:
        text = (
            f"党员 {org.member_count} 人，超过 {limits.max_members} 人，"
            "可考虑分设党支部或成立党总支"
        )
        found.append(OrgWarning(org, WARNING, text, rules.BRANCH_MAX_MEMBERS))
    needs_committee = org.full_member_count >= limits.committee_required
    if needs_committee and org.current_term_end is None:
        text = f"正式党员 {org.full_member_count} 人，应设立支部委员会，但尚无现任班子"
        found.append(OrgWarning(org, DANGER, text, rules.COMMITTEE_REQUIRED_FULL_MEMBERS))
    if org.current_term_end is None:
        return found
    if needs_committee and org.committee_size < limits.min_size:
        text = f"支部委员会现有 {org.committee_size} 人，少于 {limits.min_size} 人"
        found.append(OrgWarning(org, WARNING, text, rules.COMMITTEE_MIN_SIZE))
    if org.committee_size > limits.max_size:
        text = f"支部委员会现有 {org.committee_size} 人，超过 {limits.max_size} 人"
        found.append(OrgWarning(org, WARNING, text, rules.COMMITTEE_MAX_SIZE))
    return found


def _term_checks(org: Organization, limits: Limits) -> list[OrgWarning]:
    end = org.current_term_end
    if end < limits.today:
        days = (limits.today - end).days
        # Within the grace the rule allows (an approved delay) it is a warning, then an alarm.
        level = DANGER if days > limits.overdue_days else WARNING
        text = f"班子任期已于 {end:%Y-%m-%d} 届满（逾期 {days} 天），应尽快换届"
        return [OrgWarning(org, level, text, rules.TERM_OVERDUE_DAYS)]
    for months, level, key, advice in (
        (limits.urgent_months, WARNING, rules.TERM_URGENT_MONTHS, "请启动换届"),
        (limits.notice_months, INFO, rules.TERM_NOTICE_MONTHS, "请做好换届准备"),
    ):
        if end <= add_months(limits.today, months):
            text = f"班子任期将于 {end:%Y-%m-%d} 届满（不足 {months} 个月），{advice}"
            return [OrgWarning(org, level, text, key)]
    return []

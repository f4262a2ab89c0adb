"""Services of committees (班子): a new term (换届), posts taken and ended."""

import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from dangjian.audit.services import audit_log, snapshot
from dangjian.core.exceptions import ServiceError
from dangjian.core.rules import rule_value
from dangjian.core.scope import require_in_scope
from dangjian.orgs import rules
from dangjian.orgs.dates import add_years
from dangjian.orgs.models import Committee, CommitteePost, Organization, OrgType
from dangjian.orgs.permissions import MANAGE_COMMITTEE
from dangjian.orgs.selectors import eligible_people
from dangjian.orgs.services.common import (
    check_active,
    clean_date,
    clean_past_date,
    clean_text,
    end_current_committee,
    lock,
    rule_violation,
)

POST_RANK = {value: rank for rank, value in enumerate(CommitteePost.Post.values)}
SINGLE_HOLDER_POSTS = {CommitteePost.Post.SECRETARY, CommitteePost.Post.GROUP_LEADER}


def default_term_years(organization: Organization) -> int:
    """党委 terms default to 5 years, 党总支/党支部 terms to 3 (domain.md §3.4)."""
    if organization.org_type == OrgType.COMMITTEE:
        return rule_value(rules.COMMITTEE_TERM_YEARS)
    return rule_value(rules.BRANCH_TERM_YEARS)


def committee_create(
    *,
    actor,
    organization: Organization,
    term_start: datetime.date,
    term_end: datetime.date | None = None,
    elected_on: datetime.date | None = None,
    note: str = "",
) -> Committee:
    """Start a new term (换届): the previous current committee is closed and its posts end."""
    with transaction.atomic():
        org = lock(organization)
        require_in_scope(actor, MANAGE_COMMITTEE, org.path)
        check_active(org)
        start = clean_date(term_start, "任期开始日期")
        end = _clean_term_end(org, start, term_end)
        elected = clean_past_date(elected_on, "选举日期")
        previous = Committee.objects.select_for_update().filter(organization=org, is_current=True)
        previous = previous.first()
        if previous is not None and start <= previous.term_start:
            raise ServiceError(
                f"新一届任期开始日期须晚于上一届的开始日期 {previous.term_start:%Y-%m-%d}。"
            )
        if previous is not None:
            end_current_committee(org, start)
        number = (org.committees.aggregate(last=Max("term_number"))["last"] or 0) + 1
        committee = Committee.objects.create(
            organization=org,
            term_number=number,
            term_start=start,
            term_end=end,
            elected_on=elected,
            note=clean_text(note, "备注", 300, required=False),
        )
        audit_log(
            actor=actor,
            action="orgs.committee_create",
            obj=committee,
            organization=org,
            before={"previous": previous.pk if previous else None},
            after=snapshot(committee, ("term_number", "term_start", "term_end", "elected_on")),
        )
    return committee


def _clean_term_end(org: Organization, start: datetime.date, end) -> datetime.date:
    if end is None:
        return add_years(start, default_term_years(org))
    end = clean_date(end, "任期届满日期")
    if end <= start:
        raise ServiceError("任期届满日期须晚于任期开始日期。")
    longest = rule_value(rules.TERM_MAX_YEARS)
    if end > add_years(start, longest):
        raise rule_violation(
            rules.TERM_MAX_YEARS,
            f"每届任期不能超过 {longest} 年",
            f"请把届满日期改在 {add_years(start, longest):%Y-%m-%d} 或之前。",
        )
    return end


def committee_post_add(
    *,
    actor,
    committee: Committee,
    post: str,
    person,
    started_on: datetime.date | None = None,
) -> CommitteePost:
    """Give a party member of the organisation a post on its current committee."""
    with transaction.atomic():
        committee = Committee.objects.select_for_update().get(pk=committee.pk)
        org = committee.organization
        require_in_scope(actor, MANAGE_COMMITTEE, org.path)
        check_active(org)
        if not committee.is_current:
            raise ServiceError("只能为现任班子任命职务；往届班子的记录不能修改。")
        _check_post(committee, org, post, person)
        start = clean_date(started_on or timezone.localdate(), "任职日期")
        if not committee.term_start <= start <= committee.term_end:
            raise ServiceError(
                f"任职日期须在本届任期内（{committee.term_start:%Y-%m-%d} 至 "
                f"{committee.term_end:%Y-%m-%d}）。"
            )
        holder = CommitteePost.objects.create(
            committee=committee,
            post=post,
            person=person,
            started_on=start,
            sort_order=POST_RANK[post],
        )
        audit_log(
            actor=actor,
            action="orgs.committee_post_add",
            obj=holder,
            organization=org,
            after=snapshot(holder, ("committee", "post", "person", "started_on")),
        )
    return holder


def _check_post(committee: Committee, org: Organization, post: str, person) -> None:
    if post not in POST_RANK:
        raise ServiceError("请选择正确的职务。")
    is_group = org.org_type == OrgType.GROUP
    if is_group != (post == CommitteePost.Post.GROUP_LEADER):
        raise ServiceError("党小组只设党小组组长；“党小组组长”只用于党小组。")
    if person is None or not eligible_people(org).filter(pk=person.pk).exists():
        if is_group:
            raise ServiceError(
                f"党小组组长只能从编入“{org}”的党员中任命，请另选一名本党小组的党员。"
            )
        raise ServiceError(f"只能任命“{org}”及其下级组织中党籍正常的党员。")
    open_posts = committee.posts.filter(ended_on__isnull=True)
    same_person = open_posts.filter(person=person).first()
    if same_person is not None:
        raise ServiceError(f"{person}已在本届班子担任{same_person.get_post_display()}。")
    if post in SINGLE_HOLDER_POSTS:
        holder = open_posts.filter(post=post).select_related("person").first()
        if holder is not None:
            label = CommitteePost.Post(post).label
            raise ServiceError(f"本届班子已有{label}（{holder.person}），请先办理其离任。")


def committee_post_end(
    *, actor, committee_post: CommitteePost, ended_on: datetime.date | None = None
) -> CommitteePost:
    """End a post (离任)."""
    with transaction.atomic():
        holder = (
            CommitteePost.objects.select_for_update()
            .select_related("committee__organization", "person")
            .get(pk=committee_post.pk)
        )
        org = holder.committee.organization
        require_in_scope(actor, MANAGE_COMMITTEE, org.path)
        if holder.ended_on is not None:
            raise ServiceError(f"{holder.person}已于 {holder.ended_on:%Y-%m-%d} 离任。")
        day = clean_date(ended_on or timezone.localdate(), "离任日期")
        if holder.started_on and day < holder.started_on:
            raise ServiceError(f"离任日期不能早于任职日期 {holder.started_on:%Y-%m-%d}。")
        holder.ended_on = day
        holder.save(update_fields=["ended_on"])
        audit_log(
            actor=actor,
            action="orgs.committee_post_end",
            obj=holder,
            organization=org,
            before={"ended_on": None},
            after={"ended_on": day},
        )
    return holder

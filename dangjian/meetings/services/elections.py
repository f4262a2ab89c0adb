"""换届选举 records (domain §3.4, 《中国共产党基层组织选举工作条例》2020).

`tally` is pure arithmetic on the stored figures (quorum, majority, ranking within the seats,
ties at the last seat, the 差额 margin) so the page, the API and the tests share one answer.
`election_save` records or corrects a draft; `election_confirm` turns the elected into the new
committee term through `orgs.services.committees`, so the term reminders, the organisation page
and the warnings all read the result from the same place.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from dangjian.audit.services import audit_log, snapshot
from dangjian.core.exceptions import ServiceError
from dangjian.core.rules import rule_value
from dangjian.core.scope import require_in_scope
from dangjian.meetings import rules
from dangjian.meetings.models import Candidate, Category, Election, Meeting
from dangjian.meetings.permissions import MANAGE_ELECTION
from dangjian.members.models import Category as MemberCategory
from dangjian.members.models import Member
from dangjian.members.models.choices import IN_GOOD_STANDING
from dangjian.orgs.dates import add_years
from dangjian.orgs.models import CommitteePost, Organization, OrgType
from dangjian.orgs.permissions import MANAGE_COMMITTEE
from dangjian.orgs.services import committees as committee_services

MAX_CANDIDATES = 60
APPROVAL_POSTS = (CommitteePost.Post.SECRETARY, CommitteePost.Post.DEPUTY_SECRETARY)
ELECTION_POSTS = [
    (value, label)
    for value, label in CommitteePost.Post.choices
    if value != CommitteePost.Post.GROUP_LEADER
]


# ---------------------------------------------------------------------------------------------
# arithmetic


@dataclass
class CandidateResult:
    candidate: object
    votes: int
    rank: int
    has_majority: bool
    is_elected: bool = False
    is_tied: bool = False


@dataclass
class Tally:
    """What the figures of one election mean (all Chinese texts ready for the page)."""

    quorum_met: bool
    quorum_required: int  # the least number present for a valid meeting
    quorum_text: str
    majority_required: int  # the least number of votes to be elected
    results: list[CandidateResult] = field(default_factory=list)
    elected_count: int = 0
    tie: bool = False
    margin_ok: bool = True
    margin_text: str = ""
    problems: list[str] = field(default_factory=list)  # figures that cannot be right

    @property
    def valid(self) -> bool:
        return self.quorum_met and not self.problems

    @property
    def confirmable(self) -> bool:
        return self.valid and not self.tie and self.elected_count > 0


def quorum_required(entitled: int, on: datetime.date | None = None) -> int:
    """The least number present that is *more than* 4/5 of those entitled (条例第十九条:
    “有选举权的到会人数超过应到会人数的五分之四，会议有效”)."""
    numerator = rule_value(rules.ELECTION_QUORUM_NUMERATOR, on)
    denominator = rule_value(rules.ELECTION_QUORUM_DENOMINATOR, on)
    return entitled * numerator // denominator + 1


def majority_required(present: int) -> int:
    """Votes that are more than half of the voters present (条例: 赞成票超过实到会有选举权人数
    的一半，始得当选)."""
    return present // 2 + 1


def margin_required(seats: int, on: datetime.date | None = None) -> int:
    """The least number of candidates for a 差额 election: seats plus 20 % of them, rounded up."""
    percent = rule_value(rules.ELECTION_MARGIN_PERCENT, on)
    return seats + -(-seats * percent // 100)


def tally(election: Election, candidates, on: datetime.date | None = None) -> Tally:
    """Quorum, majority, ranking and ties of an election; `candidates` have `votes`."""
    on = on or election.held_on
    need = quorum_required(election.entitled_count, on)
    quorum_met = election.entitled_count > 0 and election.present_count >= need
    quorum_text = (
        f"应到 {election.entitled_count} 人，实到 {election.present_count} 人；"
        f"超过应到人数的五分之四（至少 {need} 人）会议方为有效"
    )
    result = Tally(
        quorum_met=quorum_met,
        quorum_required=need,
        quorum_text=quorum_text,
        majority_required=majority_required(election.present_count),
    )
    result.problems = figure_problems(election, candidates)
    ordered = sorted(candidates, key=lambda row: (-row.votes, row.sort_order, str(row.pk)))
    rank = 0
    previous = None
    for index, row in enumerate(ordered, start=1):
        if row.votes != previous:
            rank, previous = index, row.votes
        result.results.append(
            CandidateResult(
                candidate=row,
                votes=row.votes,
                rank=rank,
                has_majority=row.votes >= result.majority_required,
            )
        )
    _decide_seats(result, election.seats)
    needed = margin_required(election.seats, on)
    result.margin_ok = len(ordered) >= needed
    if not result.margin_ok:
        result.margin_text = (
            f"候选人 {len(ordered)} 人，差额选举应不少于 {needed} 人（多于应选名额 "
            f"{rule_value(rules.ELECTION_MARGIN_PERCENT, on)}%）"
        )
    return result


def _decide_seats(result: Tally, seats: int) -> None:
    """Elected: those with a majority, by votes, within the seats. When the last seat would go
    to one of several with the same votes, none of them is elected: a second ballot decides."""
    qualified = [row for row in result.results if row.has_majority]
    if not result.quorum_met or result.problems:
        return
    if len(qualified) > seats and qualified[seats - 1].votes == qualified[seats].votes:
        cut = qualified[seats - 1].votes
        for row in qualified:
            if row.votes == cut:
                row.is_tied = True
        result.tie = True
    for row in qualified[:seats]:
        row.is_elected = not row.is_tied
    result.elected_count = sum(1 for row in result.results if row.is_elected)


def figure_problems(election: Election, candidates) -> list[str]:
    """Figures that contradict each other (each a Chinese sentence saying what to fix)."""
    problems = []
    if election.present_count > election.entitled_count:
        problems.append("实到人数不能多于应到人数。")
    if election.ballots_issued > election.present_count:
        problems.append("发出的选票不能多于实到的有选举权党员人数。")
    if election.ballots_returned > election.ballots_issued:
        problems.append("收回的选票多于发出的选票，选举无效，应重新投票。")
    if election.ballots_valid > election.ballots_returned:
        problems.append("有效票不能多于收回的选票。")
    for row in candidates:
        if row.votes > election.ballots_valid:
            problems.append(f"{_name(row)}的得票 {row.votes} 多于有效票 {election.ballots_valid}。")
    return problems


def _name(candidate) -> str:
    person = getattr(candidate, "person", None)
    return person.name if person is not None else "候选人"


# ---------------------------------------------------------------------------------------------
# who may vote and stand


def voters(organization: Organization):
    """正式党员 in good standing held by the organisation or its subtree: the only ones with the
    right to elect and be elected (预备党员 have neither, 党章第七条)."""
    return Member.objects.filter(
        organization__path__startswith=organization.path,
        category=MemberCategory.FULL,
        status__in=IN_GOOD_STANDING,
    )


def election_organizations(user):
    """Organisations whose elections the user may record (not 党小组, which elect no committee)."""
    return (
        Organization.objects.visible_to(user, MANAGE_ELECTION)
        .filter(is_active=True)
        .exclude(org_type=OrgType.GROUP)
    )


def _clean_candidates(organization: Organization, rows) -> list[tuple]:
    """[(person, votes)] → checked list; refuses duplicates, 预备党员 and outsiders."""
    if not rows:
        raise ServiceError("请至少登记一名候选人及其得票。")
    if len(rows) > MAX_CANDIDATES:
        raise ServiceError(f"一次最多登记 {MAX_CANDIDATES} 名候选人。")
    person_ids = [person.pk for person, _ in rows]
    if len(set(person_ids)) != len(person_ids):
        raise ServiceError("同一名候选人登记了两次，请删除重复的一行。")
    members = {
        row.person_id: row
        for row in Member.objects.filter(
            person_id__in=person_ids, organization__path__startswith=organization.path
        )
    }
    cleaned = []
    for person, votes in rows:
        member = members.get(person.pk)
        if member is None or member.status not in IN_GOOD_STANDING:
            raise ServiceError(f"{person.name}不是“{organization}”党籍正常的党员，不能作为候选人。")
        if member.category != MemberCategory.FULL:
            raise ServiceError(
                f"{person.name}是预备党员，没有表决权、选举权和被选举权，不能作为候选人。"
            )
        if votes is None or int(votes) < 0:
            raise ServiceError(f"请填写{person.name}的得票数（不小于 0 的整数）。")
        cleaned.append((person, int(votes)))
    return cleaned


def _clean_meeting(organization: Organization, meeting) -> Meeting | None:
    if meeting is None:
        return None
    if meeting.organization_id != organization.pk or meeting.category != Category.CONGRESS:
        raise ServiceError("关联的会议须是本组织的党员大会。")
    return meeting


def _clean_figures(organization: Organization, figures: dict, today: datetime.date) -> dict:
    held_on = figures["held_on"]
    if held_on is None:
        raise ServiceError("请填写选举日期。")
    if held_on > today:
        raise ServiceError("选举日期不能晚于今天：选举结果在选举大会之后登记。")
    seats = int(figures["seats"] or 0)
    if seats < 1:
        raise ServiceError("应选名额至少为 1 人。")
    entitled = int(figures["entitled_count"] or 0)
    if entitled < 1:
        raise ServiceError("请填写应到会的有选举权党员人数。")
    full_members = voters(organization).count()
    if entitled > full_members:
        raise ServiceError(
            f"应到会有选举权的党员 {entitled} 人，多于“{organization}”的正式党员 "
            f"{full_members} 人；预备党员没有选举权，不计入应到人数。"
        )
    term_years = figures.get("term_years") or committee_services.default_term_years(organization)
    if not 3 <= int(term_years) <= 5:
        raise ServiceError("每届任期为三年至五年（党章第三十一条）。")
    return {
        "held_on": held_on,
        "seats": seats,
        "entitled_count": entitled,
        "present_count": int(figures["present_count"] or 0),
        "ballots_issued": int(figures.get("ballots_issued") or 0),
        "ballots_returned": int(figures.get("ballots_returned") or 0),
        "ballots_valid": int(figures.get("ballots_valid") or 0),
        "term_years": int(term_years),
    }


# ---------------------------------------------------------------------------------------------
# writes


def election_save(
    *,
    actor,
    organization: Organization,
    candidates: list[tuple],
    election: Election | None = None,
    meeting: Meeting | None = None,
    note: str = "",
    **figures,
) -> Election:
    """Record (or correct, while a draft) an election: figures and candidates with their votes.

    Figures that contradict each other are refused; a meeting without quorum is recorded (it
    happened) but cannot be confirmed."""
    today = timezone.localdate()
    with transaction.atomic():
        if election is not None:
            election = Election.objects.select_for_update().get(pk=election.pk)
            if election.status != Election.Status.DRAFT:
                raise ServiceError("选举结果已经确认，不能再修改。")
            organization = election.organization
        require_in_scope(actor, MANAGE_ELECTION, organization.path)
        if not organization.is_active:
            raise ServiceError(f"“{organization}”已撤销，不能登记换届选举。")
        if organization.org_type == OrgType.GROUP:
            raise ServiceError("党小组不选举委员会，党小组组长在党小组内推选或由支部指定。")
        cleaned = _clean_figures(organization, figures, today)
        rows = _clean_candidates(organization, candidates)
        if len(rows) < cleaned["seats"]:
            raise ServiceError(
                f"候选人 {len(rows)} 人，少于应选名额 {cleaned['seats']} 人，请核对。"
            )
        draft = Election(organization=organization, **cleaned, note=(note or "").strip()[:500])
        probes = [Candidate(person=person, votes=votes) for person, votes in rows]
        problems = figure_problems(draft, probes)
        if problems:
            raise ServiceError(problems[0])
        before = None
        if election is None:
            election = draft
            election.meeting = _clean_meeting(organization, meeting)
            election.created_by = actor
            election.save()
        else:
            before = snapshot(election, tuple(cleaned))
            for name, value in cleaned.items():
                setattr(election, name, value)
            election.meeting = _clean_meeting(organization, meeting)
            election.note = draft.note
            election.save()
            election.candidates.all().delete()
        try:
            Candidate.objects.bulk_create(
                Candidate(election=election, person=person, votes=votes, sort_order=index)
                for index, (person, votes) in enumerate(rows)
            )
        except IntegrityError as exc:  # pragma: no cover - duplicates are refused above
            raise ServiceError("同一名候选人登记了两次。") from exc
        _store_outcome(election)
        audit_log(
            actor=actor,
            action="meetings.election_save",
            obj=election,
            organization=organization,
            before=before,
            after={
                **snapshot(election, tuple(cleaned)),
                "candidates": {person.name: votes for person, votes in rows},
            },
        )
    return election


def _store_outcome(election: Election) -> Tally:
    rows = list(election.candidates.select_related("person"))
    result = tally(election, rows)
    elected = {row.candidate.pk for row in result.results if row.is_elected}
    Candidate.objects.filter(election=election).exclude(pk__in=elected).update(is_elected=False)
    Candidate.objects.filter(pk__in=elected).update(is_elected=True)
    return result


def election_confirm(
    *,
    actor,
    election: Election,
    posts: dict,
    approval_note: str = "",
) -> Election:
    """Confirm the result: the elected become the new committee term (换届).

    `posts` maps a candidate id to a committee post (书记, 副书记, 组织委员 …; 委员 when left
    out). 书记 and 副书记 are elected by the committee and reported to the upper organisation for
    approval (党章): the posts are recorded at once and the election's note says the approval is
    pending or names the reply the user entered (`approval_note`)."""
    with transaction.atomic():
        election = (
            Election.objects.select_for_update().select_related("organization").get(pk=election.pk)
        )
        org = election.organization
        require_in_scope(actor, MANAGE_ELECTION, org.path)
        if election.status == Election.Status.CONFIRMED:
            raise ServiceError("选举结果已经确认过了。")
        if not committee_services_allowed(actor, org):
            raise ServiceError("确认选举结果会产生新一届班子，需要“管理班子”的权限，请联系组织部。")
        rows = list(election.candidates.select_related("person"))
        result = tally(election, rows)
        if not result.quorum_met:
            raise ServiceError(
                f"到会人数未超过应到人数的五分之四（至少 {result.quorum_required} 人），"
                "选举无效，不能确认。"
            )
        if result.problems:
            raise ServiceError(result.problems[0])
        if result.tie:
            raise ServiceError("末位候选人得票相同，须就得票相等的候选人再次投票，登记后再确认。")
        elected = [row.candidate for row in result.results if row.is_elected]
        if not elected:
            raise ServiceError("没有候选人获得超过实到人数半数的赞成票，无人当选，不能确认。")
        chosen = _clean_posts(elected, posts)
        committee = committee_services.committee_create(
            actor=actor,
            organization=org,
            term_start=election.held_on,
            term_end=add_years(election.held_on, election.term_years),
            elected_on=election.held_on,
            note=f"由 {election.held_on:%Y-%m-%d} 换届选举产生",
        )
        for candidate in sorted(
            elected, key=lambda row: committee_services.POST_RANK[chosen[row.pk]]
        ):
            committee_services.committee_post_add(
                actor=actor,
                committee=committee,
                post=chosen[candidate.pk],
                person=candidate.person,
                started_on=election.held_on,
            )
            Candidate.objects.filter(pk=candidate.pk).update(post=chosen[candidate.pk])
        needs_approval = any(chosen[row.pk] in APPROVAL_POSTS for row in elected)
        election.note = _approval_text(election.note, needs_approval, approval_note)
        election.status = Election.Status.CONFIRMED
        election.committee = committee
        election.confirmed_at = timezone.now()
        election.save(update_fields=["note", "status", "committee", "confirmed_at"])
        audit_log(
            actor=actor,
            action="meetings.election_confirm",
            obj=election,
            organization=org,
            before={"status": Election.Status.DRAFT},
            after={
                "status": election.status,
                "committee": committee.pk,
                "posts": {row.person.name: chosen[row.pk] for row in elected},
            },
        )
    return election


def committee_services_allowed(actor, organization: Organization) -> bool:
    from dangjian.core.scope import scope_of

    return scope_of(actor).covers(MANAGE_COMMITTEE, organization.path)


def _clean_posts(elected: list, posts: dict) -> dict:
    allowed = {value for value, _ in ELECTION_POSTS}
    chosen = {}
    for candidate in elected:
        post = posts.get(candidate.pk) or posts.get(str(candidate.pk)) or CommitteePost.Post.MEMBER
        if post not in allowed:
            raise ServiceError(f"请为{candidate.person.name}选择正确的分工。")
        chosen[candidate.pk] = post
    for single in (CommitteePost.Post.SECRETARY,):
        holders = [row for row in elected if chosen[row.pk] == single]
        if len(holders) > 1:
            raise ServiceError("书记只能有一名，请调整分工。")
    return chosen


def _approval_text(note: str, needs_approval: bool, approval_note: str) -> str:
    if not needs_approval:
        return note
    approval_note = (approval_note or "").strip()
    text = (
        f"书记、副书记人选已报上级党组织批准：{approval_note}"
        if approval_note
        else "书记、副书记人选须报上级党组织批准（待批复）"
    )
    return f"{note}；{text}"[:500] if note else text[:500]

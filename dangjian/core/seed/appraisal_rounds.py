"""民主评议党员 of the demo data: last year's round of every branch, closed, with its peer tallies
and the grades kept on each member's record; and this year's round of the demo secretary's
branch, open in the 互评 phase.

The rules are those of the appraisal services: participants are the members in good standing
and in contact on the day the round opened, with that day's 党小组 and category; 预备党员 take
part but are neither rated nor graded; each participant who rated counted one vote for every
graded member of their 党小组; 优秀 are at most a third of the graded members (floor, §3.3) and
go to those with the most 优秀 votes. Tallies have random (seeded) UUID keys, like the app's.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from dangjian.core.seed.people import PersonPlan
from dangjian.members.models import Category

_SELF_TEXTS = (
    "一年来认真学习党的理论，严格遵守安全规程，带头完成生产任务，不足是理论学习还不够系统。",
    "能够按时参加组织生活，积极参与党员安全责任区活动，今后要在技术创新上多下功夫。",
    "坚持“三违”零容忍，班组全年安全无事故；存在的不足是联系群众还不够主动。",
    "按时足额交纳党费，认真完成岗位工作，今后要加强政治理论学习，提高业务能力。",
)  # fmt: skip


@dataclass
class RoundPlan:
    branch: object  # OrgPlan
    year: int
    phase: str
    dates: tuple[date, date, date, date]  # self, peer, propose and final deadlines
    meeting_date: date | None
    participants: list[dict] = field(default_factory=list)
    pk: int | None = None


class AppraisalMaker:
    def __init__(self, rng: random.Random, today: date):
        self.rng = rng
        self.today = today

    def closed_round(self, branch, members: list[PersonPlan]) -> RoundPlan | None:
        """Last year's round, held in January and February."""
        year = self.today.year - 1
        opened = date(year + 1, 1, 5)
        dates = (date(year + 1, 1, 12), date(year + 1, 1, 22), date(year + 1, 1, 31),
                 date(year + 1, 2, 10))  # fmt: skip
        plan = RoundPlan(branch, year, "closed", dates, date(year + 1, 2, 6))
        plan.participants = self._participants(members, opened)
        if not plan.participants:
            return None
        for person in plan.participants:
            person["self"] = self.rng.random() < 0.97
            person["rated"] = self.rng.random() < 0.95
        self._tally(plan)
        self._grade(plan)
        return plan

    def open_round(self, branch, members: list[PersonPlan], keep_open: set) -> RoundPlan:
        """This year's round of the demo branch, in the 互评 phase; the people in `keep_open`
        (the demo member) have neither written nor rated yet."""
        today = self.today
        dates = (today - timedelta(days=3), today + timedelta(days=10),
                 today + timedelta(days=20), today + timedelta(days=30))  # fmt: skip
        plan = RoundPlan(branch, today.year, "peer", dates, None)
        plan.participants = self._participants(members, today - timedelta(days=14))
        for person in plan.participants:
            waiting = id(person["plan"]) in keep_open
            done = not waiting and self.rng.random() < 0.6
            person["self"] = done or (not waiting and self.rng.random() < 0.2)
            person["rated"] = done
        self._tally(plan)
        return plan

    def _participants(self, members: list[PersonPlan], opened: date) -> list[dict]:
        people = []
        for person in members:
            if person.joined_on > opened:
                continue
            if person.is_lost_contact and person.lost_contact_since <= opened:
                continue
            full = person.full_member_on is not None and person.full_member_on <= opened
            people.append({
                "plan": person,
                "category": Category.FULL if full else Category.PROBATIONARY,
                "graded": full,
                "group": id(person.party_group) if person.party_group else None,
            })  # fmt: skip
        people.sort(key=lambda row: (row["plan"].name, row["plan"].pk or 0))
        return people

    def _tally(self, plan: RoundPlan) -> None:
        """Each rater votes once for every graded member of their 党小组 but themselves."""
        raters: dict = {}
        for person in plan.participants:
            if person["rated"]:
                raters[person["group"]] = raters.get(person["group"], 0) + 1
        for person in plan.participants:
            if not person["graded"]:
                continue
            votes = raters.get(person["group"], 0) - (1 if person["rated"] else 0)
            share = self.rng.betavariate(2, 5)  # how many see them as 优秀
            excellent = round(votes * share)
            basic = 1 if votes > excellent and self.rng.random() < 0.05 else 0
            person["tally"] = {"excellent": excellent, "qualified": votes - excellent - basic,
                               "basic": basic, "unqualified": 0}  # fmt: skip

    def _grade(self, plan: RoundPlan) -> None:
        """优秀 to the most-voted, at most a third of the graded (floor); 基本合格 to those a
        peer found wanting, when the branch agrees (half of them)."""
        graded = [person for person in plan.participants if person["graded"]]
        limit = len(graded) // 3
        wanted = min(limit, round(len(graded) * self.rng.uniform(0.15, 0.3)))
        ranked = sorted(graded, key=lambda p: -p["tally"]["excellent"])
        for index, person in enumerate(ranked):
            person["grade"] = "excellent" if index < wanted else "qualified"
            wanting = person["grade"] == "qualified" and person["tally"]["basic"]
            if wanting and self.rng.random() < 0.5:
                person["grade"] = "basic"
                person["reason"] = "安全生产中有违章记录，经教育已改正。"

    def tally_id(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)


class AppraisalWriter:
    def __init__(self, maker: AppraisalMaker, organizations: dict, member_ids: dict):
        self.maker = maker
        self.organizations = organizations
        self.member_ids = member_ids

    def write(self, rounds: list[RoundPlan]) -> int:
        from dangjian.appraisals.models import (
            MeetingKind,
            Participant,
            RatingTally,
            Result,
            Round,
        )
        from dangjian.core.seed.bulk import TupleWriter

        rows = [self._round(plan, Round, MeetingKind) for plan in rounds]
        Round.objects.bulk_create(rows, batch_size=2000)
        participants = TupleWriter(Participant, PARTICIPANT_COLUMNS)
        tallies = TupleWriter(RatingTally, ["id", "round_id", "ratee_id", "grade", "count"])
        results = TupleWriter(Result, RESULT_COLUMNS)
        next_pk = participants.first_free_pk()
        next_result = results.first_free_pk()
        participant_rows, tally_rows, result_rows = [], [], []
        for plan, row in zip(rounds, rows, strict=True):
            for person in plan.participants:
                member_id = self.member_ids[person["plan"].pk]
                participant_rows.append(self._participant(plan, row.pk, next_pk, member_id, person))
                for grade, count in person.get("tally", {}).items():
                    tally_rows.append((self.maker.tally_id().hex, row.pk, next_pk, grade, count))
                if plan.phase == "closed":
                    result_rows.append(self._result(plan, row.pk, next_result, member_id, person))
                    next_result += 1
                next_pk += 1
        participants.write(participant_rows)
        tallies.write(tally_rows)
        results.write(result_rows)
        participants.reset_sequence()
        results.reset_sequence()
        return len(participant_rows)

    def _round(self, plan: RoundPlan, Round, MeetingKind):
        self_ends, peer_ends, propose_ends, final_ends = plan.dates
        people = plan.participants
        return Round(
            organization=self.organizations[id(plan.branch)],
            year=plan.year,
            phase=plan.phase,
            self_ends_on=self_ends,
            peer_ends_on=peer_ends,
            propose_ends_on=propose_ends,
            final_ends_on=final_ends,
            meeting_kind=MeetingKind.ASSEMBLY if plan.meeting_date else "",
            meeting_date=plan.meeting_date,
            participant_count=len(people),
            graded_count=sum(1 for person in people if person["graded"]),
            self_count=sum(1 for person in people if person["self"]),
            rated_count=sum(1 for person in people if person["rated"]),
        )

    def _participant(self, plan, round_id, pk, member_id, person) -> tuple:
        group = person["plan"].party_group
        grade = person.get("grade", "")
        text = self.maker.rng.choice(_SELF_TEXTS) if person["self"] else ""
        written = self._moment(plan.dates[0] - timedelta(days=2)) if text else None
        return (pk, round_id, member_id, person["plan"].name,
                self.organizations[id(group)].pk if group else None, str(person["category"]),
                person["graded"], text, written, person["rated"], grade, grade,
                person.get("reason", ""))  # fmt: skip

    @staticmethod
    def _moment(day: date):
        """An evening of `day`, as the backend stores a datetime."""
        from django.db import connection
        from django.utils import timezone

        moment = timezone.make_aware(datetime.combine(day, time(20, 0)))
        return connection.ops.adapt_datetimefield_value(moment)

    def _result(self, plan, round_id, pk, member_id, person) -> tuple:
        graded = person["graded"]
        return (pk, member_id, plan.year, person["grade"] if graded else "not_graded",
                person.get("reason", "") if graded else "预备党员参加评议，不评定等次",
                self.organizations[id(plan.branch)].pk, round_id, "assembly",
                plan.meeting_date.isoformat())  # fmt: skip


PARTICIPANT_COLUMNS = ["id", "round_id", "member_id", "name", "party_group_id", "category",
                       "is_graded", "self_assessment", "self_assessed_at", "has_rated",
                       "proposed_grade", "final_grade", "reason"]  # fmt: skip
RESULT_COLUMNS = ["id", "member_id", "year", "grade", "reason", "organization_id", "round_id",
                  "meeting_kind", "decided_on"]  # fmt: skip

"""组织关系转接 of the demo mine: a handful of transfers, one in each state the demo walks through.

Four outgoing transfers to party organisations outside the platform (requested; approved by the
branch; letter issued and valid; letter expired unreceived — the alert), one inside the tree
waiting for the demo secretary's branch to accept it with one click, and two incoming from
outside (registered; verified). None has been received yet, so no membership moves and no 党籍
becomes 转出: the seeded members stay as they are. Letters are numbered per issuing 党委 and year
without gaps (the counter row says where numbering continues), valid for the rule's days, and
state 党费缴至 from the member's ledger.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from dangjian.core.seed.people import PersonPlan
from dangjian.members.models import Category

OUTSIDE = (
    "中共平顶山市新华区西市场街道工作委员会",
    "中共郑州市金水区委组织部",
    "中共焦作市解放区委组织部",
    "中共洛阳市西工区委组织部",
)
ORIGINS = ("中共平顶山市卫东区东安路街道工作委员会", "中共许昌市魏都区委组织部")
REASONS = ("工作调动", "随配偶迁居", "考入外地单位")


@dataclass
class TransferPlan:
    direction: str  # "out" or "in"
    state: str
    person: PersonPlan
    sender: object | None  # OrgPlan of the branch the member leaves (None: from outside)
    receiver: object | None  # OrgPlan it is addressed to (None: outside the platform)
    events: list[tuple[str, date]] = field(default_factory=list)  # (state, day)
    outside_name: str = ""
    in_city: bool = False
    issued_on: date | None = None
    validity_days: int = 0
    paid_through: date | None = None
    reason: str = ""


class TransferMaker:
    def __init__(self, rng: random.Random, today: date, validity: dict[bool, int]):
        """`validity`: in_city → the rule's days of validity (10 in the city, 30 outside)."""
        self.rng = rng
        self.today = today
        self.validity = validity

    def day(self, days_ago: int) -> date:
        return self.today - timedelta(days=days_ago)

    def plans(self, movers: list[PersonPlan], demo_branch, newcomers: list[PersonPlan]):
        """`movers`: five full members of the mine outside the demo branch, who are paid up;
        `newcomers`: two people arriving from outside."""
        d = self.day
        steps = [
            ("requested", [("requested", d(3))], False),
            ("branch_approved", [("requested", d(12)), ("branch_approved", d(9))], True),
            ("letter_issued", [("requested", d(20)), ("branch_approved", d(18)),
                               ("letter_issued", d(15))], False),
            ("letter_issued", [("requested", d(60)), ("branch_approved", d(57)),
                               ("letter_issued", d(50))], False),
        ]  # fmt: skip
        plans = []
        for person, outside, (state, events, in_city) in zip(movers, OUTSIDE, steps, strict=False):
            plans.append(
                TransferPlan(
                    "out",
                    state,
                    person,
                    person.organization,
                    None,
                    events,
                    outside_name=outside,
                    in_city=in_city,
                )
            )
        inside = movers[4]  # moving to the demo branch: one click for the receiving side
        plans.append(
            TransferPlan(
                "out",
                "letter_issued",
                inside,
                inside.organization,
                demo_branch,
                [("requested", d(8)), ("branch_approved", d(7)), ("letter_issued", d(5))],
                in_city=True,
            )
        )
        registered, verified = newcomers
        plans.append(
            TransferPlan(
                "in",
                "registered",
                registered,
                None,
                demo_branch,
                [("registered", d(4))],
                outside_name=ORIGINS[0],
                in_city=True,
            )
        )
        plans.append(
            TransferPlan(
                "in",
                "verified",
                verified,
                None,
                demo_branch,
                [("registered", d(15)), ("verified", d(10))],
                outside_name=ORIGINS[1],
            )
        )
        for plan in plans:
            plan.reason = self.rng.choice(REASONS)
            issued = [day for state, day in plan.events if state == "letter_issued"]
            if issued:
                plan.issued_on = issued[0]
                plan.validity_days = self.validity[plan.in_city]
        return plans


class TransferWriter:
    def __init__(self, organizations: dict, committees: dict, member_ids: dict, names: dict):
        self.organizations = organizations
        self.committees = committees  # id(branch plan) → plan of its nearest 党委
        self.member_ids = member_ids
        self.names = names  # id(org plan) → secretary's name

    def write(self, plans: list[TransferPlan]) -> None:
        from dangjian.transfers.models import Event, Letter, LetterCounter, Transfer

        serials: dict[tuple, int] = {}
        for plan in sorted(plans, key=lambda p: p.issued_on or date.max):
            transfer = Transfer.objects.create(**self._fields(plan))
            Event.objects.bulk_create(
                Event(
                    transfer=transfer,
                    state=state,
                    happened_on=day,
                    note=self._note(plan, state),
                    actor_name=self._actor(plan, state),
                )
                for state, day in plan.events
            )
            if plan.issued_on is None:
                continue
            committee = transfer.issuing_committee
            key = (committee.pk, plan.issued_on.year)
            serials[key] = serials.get(key, 0) + 1
            Letter.objects.create(
                transfer=transfer,
                committee=committee,
                year=plan.issued_on.year,
                serial=serials[key],
                number=f"{committee.display_name}组转〔{plan.issued_on.year}〕第{serials[key]:04d}号",
                issued_on=plan.issued_on,
                validity_days=plan.validity_days,
                valid_until=plan.issued_on + timedelta(days=plan.validity_days),
                dues_paid_through=plan.paid_through,
            )
        LetterCounter.objects.bulk_create(
            LetterCounter(committee_id=committee, year=year, last_serial=last)
            for (committee, year), last in serials.items()
        )

    def _fields(self, plan: TransferPlan) -> dict:
        person = plan.person
        outgoing = plan.direction == "out"
        sender = self.organizations[id(plan.sender)] if plan.sender else None
        dates = dict(plan.events)
        fields = {
            "direction": plan.direction,
            "state": plan.state,
            "person_id": person.pk,
            "sender": sender,
            "receiver": self.organizations[id(plan.receiver)] if plan.receiver else None,
            "category": person.category,
            "joined_on": person.joined_on,
            "full_member_on": person.full_member_on,
            "reason": plan.reason,
            "in_city": plan.in_city,
            "requested_on": dates.get("requested") or dates["registered"],
            "branch_approved_on": dates.get("branch_approved"),
            "dues_paid_through": plan.paid_through,
        }
        if outgoing:
            committee = self.committees[id(plan.sender)]
            fields |= {
                "member_id": self.member_ids[person.pk],
                "issuing_committee": self.organizations[id(committee)],
                "destination_name": plan.outside_name,
            }
        else:
            fields |= {
                "origin_name": plan.outside_name,
                "origin_letter_number": f"{plan.outside_name[2:5]}组转〔{self.day_year(plan)}〕"
                f"第{plan.person.pk % 900 + 100:04d}号",
                "verified_on": dates.get("verified"),
                "verify_method": "online" if "verified" in dates else "",
                "archive_note": "已在全国党员管理信息系统核对，档案齐全。"
                if "verified" in dates
                else "",
            }
        return fields

    @staticmethod
    def day_year(plan: TransferPlan) -> int:
        return plan.events[0][1].year

    @staticmethod
    def _note(plan: TransferPlan, state: str) -> str:
        if state == "requested" and plan.outside_name:
            return f"转往{plan.outside_name}"
        return ""

    def _actor(self, plan: TransferPlan, state: str) -> str:
        side = plan.sender or plan.receiver
        if state == "letter_issued":
            side = self.committees[id(plan.sender)]
        return self.names.get(id(side), "")


def pick_movers(rng, members_by_branch, branches, demo_branch, skip: set, paid_up) -> list:
    """Five full members at work, of five branches other than the demo one, who hold no post,
    have no demo account and no development case, and are paid up."""
    movers = []
    for branch in branches:
        if branch is demo_branch or branch.retired:
            continue
        candidates = [
            p for p in members_by_branch[id(branch)]
            if p.category == Category.FULL and not p.holds_post and id(p) not in skip
            and p.employment == "active" and not p.is_floating and paid_up(p)
        ]  # fmt: skip
        if candidates:
            movers.append(rng.choice(candidates))
        if len(movers) == 5:
            break
    return movers

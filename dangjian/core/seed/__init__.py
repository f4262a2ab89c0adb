"""Deterministic demo data (`dangjian seed`): one mine, or a whole coal group.

Everything is drawn from `random.Random` streams seeded with `--seed`, one stream per kind of
data, so the same seed gives the same tree, codes, names and people on any machine; dates are
offsets from the day of seeding. The plan is built in memory first (plan.py, people.py) and then
written with bulk INSERTs (write.py), which is what lets the group scale finish in seconds.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from dangjian.core.seed import plan as plans
from dangjian.core.seed.assessment import write_assessment
from dangjian.core.seed.demo_users import DEMO_LOGINS, DEMO_PASSWORD, create_demo_users
from dangjian.core.seed.documents import write_documents
from dangjian.core.seed.lifecycle import plan_lifecycle, write_lifecycle
from dangjian.core.seed.meetings import write_meetings
from dangjian.core.seed.people import CommitteeMaker, PeopleMaker, PersonPlan
from dangjian.core.seed.portal import write_portal
from dangjian.core.seed.records import RecordMaker
from dangjian.core.seed.showcase import Showcase
from dangjian.core.seed.write import Writer, fill_counts

__all__ = ["DEMO_LOGINS", "DEMO_PASSWORD", "SCALES", "SeedError", "SeedSummary", "seed_database"]

SCALES = ("mine", "group")


class SeedError(Exception):
    pass


@dataclass
class SeedSummary:
    scale: str
    seed: int
    organizations: int
    members: int
    committees: int
    units: int
    seconds: float


def seed_database(
    *,
    scale: str,
    seed: int,
    today: date | None = None,
    shape=None,
    progress: Callable[[str], None] | None = None,
) -> SeedSummary:
    """Fill an empty database with demo data. `shape` (MineShape/GroupShape) overrides sizes."""
    if scale not in SCALES:
        raise SeedError(f"未知的规模 {scale!r}，可选：{'、'.join(SCALES)}")
    started = time.monotonic()
    progress = progress or (lambda message: None)
    today = today or timezone.localdate()
    root = _plan_tree(scale, seed, shape)
    anchors = _demo_anchors(root)
    people, members_by_branch = _plan_people(root, seed, today)
    committee_rng = _rng(seed, "committees")
    committees = CommitteeMaker(committee_rng, today, members_by_branch).for_tree(
        root, showcase=scale == "mine"
    )
    committees.sort(key=lambda committee: committee.organization.path)
    demo_people = _demo_people(anchors, members_by_branch, committees)
    _plan_records(scale, seed, today, people, members_by_branch, anchors, demo_people)
    lifecycle = plan_lifecycle(
        scale=scale, rng_for=lambda stream: _rng(seed, stream), today=today, root=root,
        people=people, members_by_branch=members_by_branch, committees=committees,
        anchors=anchors, demo_people=demo_people,
    )  # fmt: skip
    fill_counts(root, people)
    progress(f"计划完成：党组织 {sum(1 for _ in root.walk())} 个，党员 {len(people)} 人")
    with transaction.atomic():
        writer = _write(root, people, committees, anchors, demo_people, progress,
                        photos=scale == "mine")  # fmt: skip
        write_lifecycle(lifecycle, writer, progress)
        write_meetings(scale=scale, rng=_rng(seed, "meetings"), today=today, progress=progress)
        write_portal(
            scale=scale, rng_for=lambda stream: _rng(seed, stream), today=today,
            progress=progress, members=shape.members if shape and scale == "group" else None,
        )  # fmt: skip
        write_documents(scale=scale, rng=_rng(seed, "documents"), today=today, progress=progress)
        write_assessment(scale=scale, rng=_rng(seed, "assessment"), today=today, progress=progress)
        summary = SeedSummary(
            scale=scale,
            seed=seed,
            organizations=sum(1 for _ in root.walk()),
            members=len(people),
            committees=len(committees),
            units=sum(len(node.owned_units) for node in root.walk()),
            seconds=0.0,
        )
        _audit(summary)
    _analyze()
    summary.seconds = time.monotonic() - started
    return summary


def _analyze() -> None:
    """Refresh the planner's statistics after the bulk load: without them PostgreSQL plans
    the member list and the ID-number search as if the tables were empty (measured at group
    scale: 770 ms → 78 ms for the list, 650 ms → 52 ms for the search)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _rng(seed: int, stream: str) -> random.Random:
    """One independent stream per kind of data: changing how people are drawn leaves the tree
    alone. String seeds are hashed with SHA-512 by `random`, the same on every platform."""
    return random.Random(f"dangjian-seed:{seed}:{stream}")  # noqa: S311 — demo data, not secrets


def _plan_tree(scale: str, seed: int, shape) -> plans.OrgPlan:
    rng = _rng(seed, "tree")
    if scale == "mine":
        root = plans.plan_mine_scale(rng, shape or plans.MINE)
    else:
        root = plans.plan_group_scale(rng, shape or plans.GROUP)
    plans.assign_paths(root)
    return root


def _plan_people(root, seed: int, today: date):
    maker = PeopleMaker(_rng(seed, "people"), today)
    people: list[PersonPlan] = []
    members_by_branch: dict[int, list[PersonPlan]] = {}
    for branch in root.branches():
        members = maker.branch_members(branch)
        members_by_branch[id(branch)] = members
        people.extend(members)
    return people, members_by_branch


def _plan_records(scale, seed, today, people, members_by_branch, anchors, demo_people) -> None:
    """Everyone's personal record; in the demo mine also the search examples and the
    deliberate data-quality findings (showcase.py)."""
    showcase = None
    if scale == "mine":
        showcase = Showcase(
            _rng(seed, "showcase"),
            today,
            members_by_branch,
            branch=anchors["branch"],
            keep=demo_people.values(),
        )
        showcase.names()
    RecordMaker(_rng(seed, "records"), today).fill_all(people)
    if showcase is not None:
        showcase.findings()


def _demo_anchors(root) -> dict:
    """The organisations the demo roles are granted on, all inside the first mine."""
    mine = next(node for node in root.walk() if "mine" in node.tags)
    anchors = {
        "root": root,
        "mine": mine,
        "branch": next(b for b in mine.branches() if b.post_pool == "team"),
        "plant": next(node for node in mine.walk() if "plant" in node.tags),
        "office": next(b for b in mine.branches() if b.office),
    }
    for node in anchors.values():
        node.tags.add("demo")  # the warning showcase leaves these alone
    return anchors


def _demo_people(anchors, members_by_branch, committees) -> dict[str, PersonPlan]:
    """The people the demo accounts are linked to; an account stays unlinked only when a tiny
    test shape leaves its organisation without members."""

    def ordinary(node, nth=0):
        people = [p for branch in node.branches() for p in members_by_branch[id(branch)]]
        plain = [p for p in people if not p.holds_post and p.employment == "active"]
        return next(iter((plain or people)[nth:]), None)

    def posts_of(node):
        return next((c.posts for c in committees if c.organization is node and c.posts), [])

    branch = anchors["branch"]
    secretary = next(iter(posts_of(branch)), (None, None))[1]
    chosen = {
        "shuji": secretary,
        "dangyuan": ordinary(branch),
        "zuzhibu": ordinary(anchors["office"]),
        "ganshi": ordinary(anchors["plant"]),
        # 公文 (issue 7): the mine's 党委办公室 clerk, its 党委书记 (签发) and a 支部委员 of the
        # secretary's branch who reads what is circulated to him.
        "bangongshi": ordinary(anchors["office"], 1),
        "lingdao": next(iter(posts_of(anchors["mine"])), (None, None))[1],
        "weiyuan": next(iter(posts_of(branch)[1:]), (None, None))[1],
    }
    linked, taken = {}, set()
    for username, person in chosen.items():  # one account per person, even in a tiny shape
        if person is not None and id(person) not in taken:
            linked[username] = person
            taken.add(id(person))
    return linked


def _write(root, people, committees, anchors, demo_people, progress, *, photos=False) -> Writer:
    from dangjian.accounts.roles import ensure_builtin_roles
    from dangjian.orgs.models import Organization

    if Organization.objects.exists():
        raise SeedError("数据库里已经有党组织，演示数据只能装入空库（可加 --if-empty 跳过）。")
    ensure_builtin_roles()
    writer = Writer(progress, photos=photos)
    writer.write_organizations(root)
    writer.write_units(root)
    writer.write_people(people)
    writer.write_committees(committees)
    from dangjian.members.models import Person

    linked = Person.objects.in_bulk([plan.pk for plan in demo_people.values()])
    create_demo_users(
        anchors={key: writer.organizations[id(node)] for key, node in anchors.items()},
        people={username: linked[plan.pk] for username, plan in demo_people.items()},
    )
    progress(f"演示账号 {len(DEMO_LOGINS)} 个")
    return writer


def _audit(summary: SeedSummary) -> None:
    from dangjian.audit.services import audit_log

    audit_log(
        actor=None,
        action="core.seed_load",
        object_type="core.seed",
        object_repr=f"演示数据（{summary.scale}，种子 {summary.seed}）",
        after={
            "scale": summary.scale,
            "seed": summary.seed,
            "organizations": summary.organizations,
            "members": summary.members,
            "committees": summary.committees,
        },
        message="dangjian seed 命令装入演示数据",
    )

"""Writes a planned tree, its people and committees with bulk INSERTs.

The summary counts (`member_count`, `full_member_count`) are computed from the plan and written
with the organisations, so no second pass over ten thousand rows is needed. They follow
`orgs/counts.py`: a branch or 党委 counts the members held in its whole subtree (a 党委 shows the
members of all the branches under it), a 党小组 the members organised in it.
"""

from __future__ import annotations

from collections.abc import Callable

from dangjian.core.crypto import lookup_hash
from dangjian.core.pinyin import search_key
from dangjian.core.seed.people import CommitteePlan, PersonPlan
from dangjian.core.seed.photos import has_photo, store_photo
from dangjian.core.seed.plan import OrgPlan
from dangjian.core.seed.rows import RowWriter
from dangjian.members.models import Member, Person
from dangjian.orgs.models import Committee, CommitteePost, Organization, OrgType, Unit

BATCH = 2000


def fill_counts(root: OrgPlan, people: list[PersonPlan]) -> None:
    held: dict[int, list[int]] = {}  # id(OrgPlan) → [members, full members] it holds
    organised: dict[int, list[int]] = {}  # id(党小组 plan) → [members, full members] in it
    for person in people:
        full = person.category == Member.Category.FULL
        for tally, node in ((held, person.organization), (organised, person.party_group)):
            if node is not None:
                counts = tally.setdefault(id(node), [0, 0])
                counts[0] += 1
                counts[1] += full
    for node in reversed(list(root.walk())):  # children before their parent
        if node.org_type == OrgType.GROUP:
            node.member_count, node.full_member_count = organised.get(id(node), [0, 0])
            continue
        below = [child for child in node.children if child.org_type != OrgType.GROUP]
        own = held.get(id(node), [0, 0])
        node.member_count = own[0] + sum(child.member_count for child in below)
        node.full_member_count = own[1] + sum(child.full_member_count for child in below)


class Writer:
    def __init__(self, progress: Callable[[str], None], *, photos: bool = False):
        self.progress = progress
        self.photos = photos  # placeholder ID photos (photos.py), for the demo mine only
        self.organizations: dict[int, Organization] = {}  # id(OrgPlan) → row
        self.units: dict[int, Unit] = {}  # id(UnitPlan) → row
        self.pinyin_keys: dict[str, str] = {}

    def write_organizations(self, root: OrgPlan) -> None:
        nodes = list(root.walk())
        rows = [
            Organization(
                path=node.path,
                depth=node.depth,
                numchild=len(node.children),
                org_type=node.org_type,
                name=node.name,
                short_name=node.short_name,
                code=node.code,
                founded_on=node.founded_on,
                sort_order=node.sort_order,
                member_count=node.member_count,
                full_member_count=node.full_member_count,
            )
            for node in nodes
        ]
        Organization.objects.bulk_create(rows, batch_size=BATCH)
        self.organizations = {id(node): row for node, row in zip(nodes, rows, strict=True)}
        self.progress(f"党组织 {len(rows)} 个")

    def write_units(self, root: OrgPlan) -> None:
        rows = []
        for node in root.walk():
            for unit in node.owned_units:
                row = Unit(
                    name=unit.name,
                    code=unit.code,
                    kind=unit.kind,
                    sort_order=unit.sort_order,
                    owner=self.organizations[id(node)],
                )
                self.units[id(unit)] = row
                rows.append(row)
        Unit.objects.bulk_create(rows, batch_size=BATCH)
        through = Organization.units.through
        links = [
            through(organization=self.organizations[id(node)], unit=self.units[id(unit)])
            for node in root.walk()
            for unit in node.units
        ]
        through.objects.bulk_create(links, batch_size=BATCH)
        self.progress(f"行政单位 {len(rows)} 个")

    def write_people(self, people: list[PersonPlan]) -> None:
        """Plain multi-row INSERTs (rows.py): `bulk_create` spent most of the seed's time
        building and preparing 300 000 model instances."""
        persons, members = RowWriter(Person), RowWriter(Member)
        first_person, first_member = persons.first_free_pk(), members.first_free_pk()
        for index, plan in enumerate(people):
            plan.pk = first_person + index
        for start in range(0, len(people), BATCH * 5):
            chunk = people[start : start + BATCH * 5]
            persons.insert(self._person(plan) for plan in chunk)
            members.insert(
                self._member(plan, first_member + start + offset)
                for offset, plan in enumerate(chunk)
            )
            self.progress(f"党员 {start + len(chunk)} / {len(people)}")
        persons.reset_sequence()
        members.reset_sequence()

    def write_persons(self, people: list[PersonPlan]) -> None:
        """People without a membership (the applicants of development cases)."""
        persons = RowWriter(Person)
        first = persons.first_free_pk()
        for index, plan in enumerate(people):
            plan.pk = first + index
        persons.insert(self._person(plan) for plan in people)
        persons.reset_sequence()

    def _person(self, plan: PersonPlan) -> dict:
        """The row with its derived columns (pinyin key, lookup hashes, scope organisation)
        computed here as `members.services.people.derived_fields` would, without a query."""
        return {
            "id": plan.pk,
            "name": plan.name,
            "pinyin_key": self._pinyin_key(plan.name),
            "gender": plan.gender,
            "ethnicity": plan.ethnicity,
            "birth_date": plan.birth_date,
            "id_number": plan.id_number,
            "id_number_hash": lookup_hash(plan.id_number) if plan.id_number else "",
            "native_place": plan.native_place,
            "work_number": plan.work_number,
            "education": plan.education,
            "degree": plan.degree,
            "education_mode": plan.education_mode,
            "school": plan.school,
            "major": plan.major,
            "organization_id": self.organizations[id(plan.organization)].pk,
            "unit_id": self.units[id(plan.unit)].pk if plan.unit else None,
            "post": plan.post,
            "occupation": plan.occupation,
            "title_level": plan.title_level,
            "title": plan.title,
            "skill_level": plan.skill_level,
            "mobile": plan.mobile,
            "mobile_hash": lookup_hash(plan.mobile) if plan.mobile else "",
            "address": plan.address,
            "employment": plan.employment,
            "retired_on": plan.retired_on,
            "photo": store_photo(plan.work_number)
            if self.photos and has_photo(plan.work_number)
            else "",
        }

    def _pinyin_key(self, name: str) -> str:
        key = self.pinyin_keys.get(name)
        if key is None:  # many people share a name: each is converted once
            key = self.pinyin_keys[name] = search_key(name)
        return key

    def _member(self, plan: PersonPlan, pk: int) -> dict:
        group = plan.party_group
        return {
            "id": pk,
            "person_id": plan.pk,
            "organization_id": self.organizations[id(plan.organization)].pk,
            "party_group_id": self.organizations[id(group)].pk if group else None,
            "category": plan.category,
            "joined_on": plan.joined_on,
            "full_member_on": plan.full_member_on,
            "is_floating": plan.is_floating,
            "floating_since": plan.floating_since,
            "floating_destination": plan.floating_destination,
            "is_lost_contact": plan.is_lost_contact,
            "lost_contact_since": plan.lost_contact_since,
        }

    def write_committees(self, committees: list[CommitteePlan]) -> None:
        rows = [
            Committee(
                organization=self.organizations[id(plan.organization)],
                term_number=plan.term_number,
                term_start=plan.term_start,
                term_end=plan.term_end,
                elected_on=plan.term_start,
                is_current=True,
            )
            for plan in committees
        ]
        Committee.objects.bulk_create(rows, batch_size=BATCH)
        posts = [
            CommitteePost(
                committee=row,
                post=post,
                person_id=person.pk,
                started_on=plan.term_start,
                sort_order=index,
            )
            for plan, row in zip(committees, rows, strict=True)
            for index, (post, person) in enumerate(plan.posts)
        ]
        CommitteePost.objects.bulk_create(posts, batch_size=BATCH)
        self.progress(f"班子 {len(rows)} 个，职务 {len(posts)} 个")

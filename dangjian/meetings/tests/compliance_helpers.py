"""Builders for the compliance tests: meeting rows written straight to the table in the state
the record services leave them (the engine only reads status, category, organisation and
date), committees, profiles and closed appraisal rounds."""

from __future__ import annotations

import datetime
import itertools

from dangjian.meetings.models import ComplianceProfile, Meeting, MeetingType
from dangjian.meetings.tests.factories import at
from dangjian.orgs.models import Committee, Organization, OrgType

_serial = itertools.count(1)


def meetings(organization, type_code: str, *days: datetime.date, status=Meeting.Status.HELD):
    """One counted meeting of the built-in type on each day."""
    kind = MeetingType.objects.get(code=type_code)
    rows = [
        Meeting(
            organization=organization,
            meeting_type=kind,
            category=kind.category,
            status=status,
            topic=f"测试{kind.name}{next(_serial)}",
            planned_start=at(day.year, day.month, day.day, 9),
            planned_end=at(day.year, day.month, day.day, 11),
            held_on=day,
        )
        for day in days
    ]
    return Meeting.objects.bulk_create(rows)


def committee(organization, *, current=True) -> Committee:
    return Committee.objects.create(
        organization=organization,
        term_start=datetime.date(2024, 1, 1),
        term_end=datetime.date(2027, 1, 1),
        is_current=current,
    )


def retirees(organization) -> ComplianceProfile:
    profile = ComplianceProfile.objects.get(name="离退休党支部")
    profile.organizations.add(organization)
    return profile


def branches(parent, count: int, prefix: str = "B") -> list[Organization]:
    made = []
    for _ in range(count):
        serial = next(_serial)
        made.append(
            Organization.objects.add_child(
                parent,
                {
                    "org_type": OrgType.BRANCH,
                    "name": f"测试第{serial}党支部",
                    "code": f"{prefix}-{serial}",
                },
            )
        )
        parent.refresh_from_db()
    return made


def closed_round(organization, year: int):
    from dangjian.appraisals.models import Phase, Round

    day = datetime.date(year, 11, 1)
    return Round.objects.create(
        organization=organization,
        year=year,
        phase=Phase.CLOSED,
        self_ends_on=day,
        peer_ends_on=day,
        propose_ends_on=day,
        final_ends_on=day,
    )

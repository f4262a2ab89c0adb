"""Menu entries of 组织生活: each part declares its own in `nav_<part>.py`."""

from dangjian.core.navigation import Entry, add
from dangjian.meetings import nav_compliance, nav_hours, nav_meetings, nav_terms  # noqa: F401
from dangjian.meetings.permissions import VIEW_MEETING

add(Entry("office", "三会一课台账", "meetings:ledger", VIEW_MEETING, order=75))

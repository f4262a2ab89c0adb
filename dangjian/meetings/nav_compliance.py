"""Menu entries: compliance (imported by meetings/navigation.py)."""

from dangjian.core.navigation import Entry, add
from dangjian.meetings.permissions import VIEW_COMPLIANCE

add(Entry("office", "组织生活落实情况", "meetings:compliance", VIEW_COMPLIANCE, order=73))

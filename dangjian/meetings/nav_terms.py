"""Menu entries: the monthly guide and 换届 (imported by meetings/navigation.py)."""

from dangjian.core.navigation import Entry, add
from dangjian.core.scope import scope_of
from dangjian.meetings.permissions import MANAGE_GUIDE, VIEW_MEETING
from dangjian.orgs.permissions import VIEW_COMMITTEE


def _reads_guides(user) -> bool:
    """Staff of 组织生活 and every member linked to a person (no query: the scope is cached for
    the request and the person id is on the user row)."""
    scope = scope_of(user)
    return bool(
        scope.has(VIEW_MEETING) or scope.has(MANAGE_GUIDE) or getattr(user, "person_id", None)
    )


add(Entry("office", "组织生活指南", "meetings:guides", None, order=76, visible=_reads_guides))
add(Entry("office", "换届管理", "meetings:terms", VIEW_COMMITTEE, order=78))

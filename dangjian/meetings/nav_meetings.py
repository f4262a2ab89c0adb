"""Menu entries: meetings (imported by meetings/navigation.py)."""

from dangjian.core.navigation import Entry, add
from dangjian.meetings.permissions import VIEW_MEETING


def _is_a_person(user) -> bool:
    """Only accounts linked to a person attend meetings (no query: the id is on the user row)."""
    return bool(getattr(user, "person_id", None))


add(Entry("office", "组织生活", "meetings:list", VIEW_MEETING, order=70))
add(Entry("office", "我的会议", "meetings:mine", None, order=71, visible=_is_a_person))
add(Entry("office", "会议签到", "meetings:signin", None, order=72, visible=_is_a_person))

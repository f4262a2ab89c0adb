"""Menu entries: 学时 (imported by meetings/navigation.py) and the configuration pages."""

from dangjian.core.navigation import Entry, add
from dangjian.meetings.permissions import CONFIGURE, VIEW_COMPLIANCE


def _is_a_person(user) -> bool:
    """Only accounts linked to a person have hours (no query: the id is on the user row)."""
    return bool(getattr(user, "person_id", None))


def _configures_globally(user) -> bool:
    from dangjian.core.services import holds_globally

    return holds_globally(user, CONFIGURE)


add(Entry("office", "学时统计", "meetings:hours", VIEW_COMPLIANCE, order=74))
add(Entry("office", "我的学时", "meetings:hours_mine", None, order=79, visible=_is_a_person))
add(
    Entry(
        "admin",
        "组织生活设置",
        "meetings:settings_types",
        CONFIGURE,
        order=50,
        visible=_configures_globally,
    )
)

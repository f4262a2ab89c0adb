"""Menu entries of 组织生活: each part declares its own in `nav_<part>.py`."""

from dangjian.meetings import nav_compliance, nav_hours, nav_meetings, nav_terms  # noqa: F401

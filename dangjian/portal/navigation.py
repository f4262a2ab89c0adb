"""Menu entries of the portal: each part declares its own in `nav_<part>.py`."""

from dangjian.portal import nav_downloads, nav_editor, nav_manage, nav_review  # noqa: F401

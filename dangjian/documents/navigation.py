"""Menu entries of 公文: each part declares its own in `nav_<part>.py`."""

from dangjian.documents import nav_outgoing, nav_receiving, nav_tracking  # noqa: F401

"""Menu entries: the downloads library (下载专区 / 其他共享信息)."""

from dangjian.core.navigation import Entry, add
from dangjian.portal.permissions import MANAGE_DOWNLOADS

# Every logged-in user can read something (党内公开 items at least): the entry leads to the
# library of the viewer's own site.
add(Entry("exchange", "下载专区", "portal:downloads_home", None, order=60))
add(Entry("exchange", "管理下载专区", "portal:downloads_manage_home", MANAGE_DOWNLOADS, order=61))

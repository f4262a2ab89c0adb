"""Menu entry of the tracking part of 公文: 公文时效统计 (网上办公), for VIEW_DOCUMENT."""

from dangjian.core.navigation import Entry, add
from dangjian.documents.permissions import VIEW_DOCUMENT

add(Entry("office", "公文时效统计", "documents:timeliness", permission=VIEW_DOCUMENT, order=13))

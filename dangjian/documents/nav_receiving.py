"""Menu entries of the receiving part of 公文: 收文签收 for whoever signs for an organisation,
我的传阅 for everyone (documents are circulated to members without any role). The numbers
waiting are shown in the todo block, not here: the menu is built without queries."""

from dangjian.core.navigation import Entry, add
from dangjian.documents.permissions import SIGN_RECEIPT

add(Entry("office", "收文签收", "documents:inbox", permission=SIGN_RECEIPT, order=11))
add(Entry("office", "我的传阅", "documents:reading", order=12))

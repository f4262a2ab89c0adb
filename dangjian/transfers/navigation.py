from dangjian.core.navigation import Entry, add
from dangjian.transfers.permissions import REQUEST_TRANSFER, VIEW_TRANSFER

add(Entry("office", "组织关系转出", "transfers:list", VIEW_TRANSFER, order=40))
add(Entry("office", "组织关系转入", "transfers:incoming", VIEW_TRANSFER, order=41))
add(Entry("office", "办理转出申请", "transfers:new", REQUEST_TRANSFER, order=42))
add(Entry("office", "平台外转入登记", "transfers:register", REQUEST_TRANSFER, order=43))

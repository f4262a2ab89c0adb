"""党籍 status changes, retirement and the 流动/失联 flags (domain §4), and the retirees' branch
setting of a 党委 or 党总支.

Every change is a keyword-only service in one transaction that locks the member row first, so a
double submit is serialised: the second call reads the state the first one wrote and is refused
by the transition check with a Chinese message. Each change writes a `StatusChange` (党籍
changes and retirement), a `RecordChange` (source 党籍变更; only status fields, so no personal
data), an audit entry, and refreshes the member counts of every organisation it touched.

Transitions (from → to):

    停止党籍  正常/恢复党籍 → 停止党籍
    恢复党籍  停止党籍 → 恢复党籍
    出党      正常/恢复党籍/停止党籍 → 出党 (自行脱党/除名/开除党籍/退党)
    去世      正常/恢复党籍/停止党籍 → 死亡
    退休      status unchanged; 在岗状态 → 离退休, optionally moved to the retirees' branch
    流动/失联  flags on or off, status unchanged

出党, 死亡 and 转出 are final here: the record stays as history and nothing changes it again.

By sub-domain: `common` (the constants, `StatusRefused`, the checks every change runs and the
writing of one change), `transitions` (停止党籍, 恢复党籍, 出党, 去世), `retirement` (退休 and the
retirees' branch setting) and `flags` (流动/失联). The names other modules use are re-exported
here.
"""

from __future__ import annotations

from dangjian.members.services.status.common import (
    ALLOWED_FROM,
    DOCUMENT_MAX,
    HELD,
    REASON_MAX,
    TRACKED_MEMBER,
    TRACKED_PERSON,
    Kind,
    StatusRefused,
    allowed_kinds,
    final_message,
)
from dangjian.members.services.status.flags import DESTINATION_MAX, member_set_flags
from dangjian.members.services.status.retirement import (
    RETIREE_SETTING_TYPES,
    member_retire,
    retiree_branch_clear,
    retiree_branch_for,
    retiree_branch_set,
)
from dangjian.members.services.status.transitions import (
    LEAVE_NEEDS_DOCUMENT,
    SuspendGround,
    lost_contact_earliest,
    member_die,
    member_leave,
    member_restore,
    member_suspend,
)

__all__ = [
    "ALLOWED_FROM",
    "DESTINATION_MAX",
    "DOCUMENT_MAX",
    "HELD",
    "LEAVE_NEEDS_DOCUMENT",
    "REASON_MAX",
    "RETIREE_SETTING_TYPES",
    "TRACKED_MEMBER",
    "TRACKED_PERSON",
    "Kind",
    "StatusRefused",
    "SuspendGround",
    "allowed_kinds",
    "final_message",
    "lost_contact_earliest",
    "member_die",
    "member_leave",
    "member_restore",
    "member_retire",
    "member_set_flags",
    "member_suspend",
    "retiree_branch_clear",
    "retiree_branch_for",
    "retiree_branch_set",
]

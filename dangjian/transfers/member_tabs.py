"""The "组织关系转接" tab on the member detail page: the member's transfers, each side's view."""

from django.urls import reverse
from django.utils import timezone

from dangjian.core.rules import rule_source, rule_value
from dangjian.core.scope import scope_of
from dangjian.members.services.status.common import HELD
from dangjian.members.tabs import MemberTab, add
from dangjian.orgs.dates import add_months
from dangjian.transfers import selectors
from dangjian.transfers.models import FINISHED_STATES
from dangjian.transfers.permissions import REQUEST_TRANSFER, VIEW_TRANSFER
from dangjian.transfers.rules import AWAY_MONTHS

SHOWN = 20


def _context(request, member):
    rows = list(selectors.member_transfers(request.user, member)[:SHOWN])
    can_request = member.status in HELD and scope_of(request.user).covers(
        REQUEST_TRANSFER, member.organization.path
    )
    return {
        "transfer_rows": rows,
        "transfer_new_url": (
            f"{reverse('transfers:new')}?member={member.pk}" if can_request else ""
        ),
        "transfer_away": _away_notice(member, rows),
    }


def _away_notice(member, rows) -> str:
    """A floating member away for the rule's months should move the relationship (§4)."""
    if not member.is_floating or not member.floating_since or member.status not in HELD:
        return ""
    if any(row.state not in FINISHED_STATES for row in rows):
        return ""
    months = int(rule_value(AWAY_MONTHS))
    due = add_months(member.floating_since, months)
    if timezone.localdate() < due:
        return ""
    return (
        f"该党员自 {member.floating_since:%Y-%m-%d} 外出流动"
        f"（{member.floating_destination or '去向未填'}），已满 {months} 个月；"
        f"外出地点相对固定的，应当转移组织关系（{rule_source(AWAY_MONTHS)}）。"
    )


def _visible(user, member):
    return scope_of(user).covers(VIEW_TRANSFER, member.organization.path)


add(
    MemberTab(
        key="transfers",
        label="组织关系转接",
        icon="arrow-left-right",
        template="transfers/_member_tab.html",
        context=_context,
        visible=_visible,
        order=40,
    )
)

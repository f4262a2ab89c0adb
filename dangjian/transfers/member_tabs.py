"""The "组织关系转接" tab on the member detail page: the member's transfers, each side's view."""

from django.urls import reverse

from dangjian.core.scope import scope_of
from dangjian.members.tabs import MemberTab, add
from dangjian.transfers import selectors
from dangjian.transfers.permissions import REQUEST_TRANSFER, VIEW_TRANSFER

SHOWN = 20


def _context(request, member):
    rows = list(selectors.member_transfers(request.user, member)[:SHOWN])
    can_request = scope_of(request.user).covers(REQUEST_TRANSFER, member.organization.path)
    return {
        "transfer_rows": rows,
        "transfer_new_url": (
            f"{reverse('transfers:new')}?member={member.pk}" if can_request else ""
        ),
    }


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

"""The 党费 tab of the member detail page: the member's months, arrears and this year's base.
Shown to users holding `dues.view_dues` over the member's branch, and to the member."""

from dangjian.core.scope import scope_of
from dangjian.dues.permissions import MANAGE_DUES, VIEW_DUES
from dangjian.members.tabs import MemberTab, add


def _visible(user, member) -> bool:
    own = bool(getattr(user, "person_id", None)) and user.person_id == member.person_id
    return own or scope_of(user).covers(VIEW_DUES, member.organization.path)


def _context(request, member) -> dict:
    from dangjian.dues.views.mine import member_dues_context

    context = member_dues_context(request, member)
    context["dues_manage"] = scope_of(request.user).covers(MANAGE_DUES, member.organization.path)
    return context


add(
    MemberTab(
        key="dues",
        label="党费",
        icon="cash-coin",
        template="dues/_member_dues.html",
        context=_context,
        visible=_visible,
        order=30,
    )
)

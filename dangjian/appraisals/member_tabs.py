"""The "民主评议" tab on the member detail page: the member's result of every year."""

from dangjian.appraisals import selectors
from dangjian.appraisals.permissions import VIEW_APPRAISAL
from dangjian.core.scope import scope_of
from dangjian.members.tabs import MemberTab, add


def _context(request, member):
    return {"appraisal_results": list(selectors.member_results(request.user, member)[:50])}


def _visible(user, member):
    own = getattr(user, "person_id", None) == member.person_id
    return own or scope_of(user).covers(VIEW_APPRAISAL, member.organization.path)


add(
    MemberTab(
        key="appraisals",
        label="民主评议",
        icon="award",
        template="appraisals/_member_tab.html",
        context=_context,
        visible=_visible,
        order=60,
    )
)

"""The 发展纪实 tab on the member page, for members who came through a development case."""

from dangjian.core.scope import scope_of
from dangjian.development import selectors_ui as select
from dangjian.development.permissions import VIEW_DEVELOPMENT
from dangjian.development.views.cases import timeline
from dangjian.members.tabs import MemberTab, add


def _case_of(member):
    cached = getattr(member, "_development_case", False)
    if cached is False:
        cached = select.member_case(member)
        member._development_case = cached
    return cached


def _visible(user, member) -> bool:
    case = _case_of(member)
    return case is not None and scope_of(user).covers(VIEW_DEVELOPMENT, case.organization.path)


def _context(request, member) -> dict:
    case = _case_of(member)
    facts = select.case_context(case)
    return {
        "development_case": case,
        "development_stages": timeline(case, facts["steps"], set()),
        "development_facts": facts,
    }


add(
    MemberTab(
        key="development",
        label="发展纪实",
        icon="signpost-split",
        template="development/_member_tab.html",
        context=_context,
        visible=_visible,
        order=10,
    )
)

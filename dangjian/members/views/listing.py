"""The member list (filters, search, sort, columns) and the member detail page with its tabs.

Links to pages other modules provide (edit, status change, export, import …) are reversed
through `optional_url`, so the pages keep working while one of those modules is missing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from dangjian.core.exceptions import ServiceError
from dangjian.core.paging import paginate
from dangjian.core.scope import has_permission, scope_of
from dangjian.core.search_select import options_response
from dangjian.members import display
from dangjian.members import selectors as select
from dangjian.members.columns import COLUMNS, chosen_columns, list_columns_save
from dangjian.members.display import SENSITIVE_FIELDS
from dangjian.members.filters import SORT_CHOICES
from dangjian.members.models import Category, Member
from dangjian.members.permissions import (
    EXPORT_MEMBER,
    MANAGE_MEMBER,
    REVEAL_SENSITIVE,
    VIEW_MEMBER,
)
from dangjian.members.services.reveal import field_label, member_reveal
from dangjian.members.tabs import extra_tabs

PER_PAGE = 20
TABS = (
    ("basic", "基本信息", "person-vcard"),
    ("party", "党员信息", "flag"),
    ("history", "变更记录", "clock-history"),
    ("documents", "档案材料", "folder2-open"),
)
TAB_KEYS = tuple(key for key, _, _ in TABS)


def optional_url(name: str, *args, query: str = "") -> str:
    """The URL of a page another module provides, or "" while it does not exist yet."""
    try:
        url = reverse(name, args=args)
    except NoReverseMatch:
        return ""
    return f"{url}?{query}" if query else url


# ---------------------------------------------------------------- the list


@login_required
@require_GET
def member_list(request):
    user = request.user
    if not has_permission(user, VIEW_MEMBER):
        own = Member.objects.visible_to(user, VIEW_MEMBER).values_list("pk", flat=True).first()
        if own is not None:  # an ordinary member: their own record is all there is to see
            return redirect("members:detail", own)
        raise PermissionDenied
    queryset, form = select.filtered_members(user, request.GET)
    context = paginate(request, queryset, PER_PAGE)
    columns = chosen_columns(user)
    context |= {
        "form": form,
        "columns": columns,
        "rows": [
            {"member": member, "cells": [(column, column.value(member)) for column in columns]}
            for member in context["page_obj"].object_list
        ],
        "sort": form.cleaned_data.get("sort") if hasattr(form, "cleaned_data") else "",
        "sort_choices": SORT_CHOICES,
        "all_columns": COLUMNS,
        "chosen_keys": {column.key for column in columns},
        "actions": _list_actions(user, context["query_without_page"].rstrip("&")),
    }
    if request.htmx and request.htmx.target == "member-results":
        return render(request, "members/_list_results.html", context)
    form.limit_choices()
    context["advanced_open"] = _advanced_filters_used(form)
    return render(request, "members/list.html", context)


ADVANCED_FILTERS = (
    "org",
    "category",
    "gender",
    "age",
    "education",
    "ethnicity",
    "joined_year",
    "title_level",
    "unit",
)


def _advanced_filters_used(form) -> bool:
    return any(form.data.get(name) for name in ADVANCED_FILTERS) or bool(form.errors)


def _list_actions(user, query: str) -> dict:
    manage = has_permission(user, MANAGE_MEMBER)
    return {
        "export": optional_url("members:export", query=query)
        if has_permission(user, EXPORT_MEMBER)
        else "",
        "create": optional_url("members:create") if manage else "",
        "import": (optional_url("members:import_new") or optional_url("members:import_list"))
        if manage
        else "",
        "statistics": optional_url("members:statistics"),
    }


@login_required
@require_POST
def list_columns(request):
    """Save the columns the user ticked (or the defaults) and go back to the same list."""
    if not has_permission(request.user, VIEW_MEMBER):
        raise PermissionDenied
    if request.POST.get("reset"):
        keys = [column.key for column in COLUMNS if column.default]
    else:
        keys = request.POST.getlist("columns")
    list_columns_save(actor=request.user, keys=keys)
    messages.success(request, "已保存显示的列。")
    back = request.POST.get("query", "")
    url = reverse("members:list")
    return redirect(f"{url}?{back}" if back and "\n" not in back else url)


@login_required
@require_GET
def organization_options(request):
    """The organisation filter's search box: matching organisations in the user's scope."""
    if not has_permission(request.user, VIEW_MEMBER):
        raise PermissionDenied
    found = select.organization_options(request.user, request.GET.get("org_q", ""))
    return options_response(
        request,
        [(org.pk, org.name) for org in found],
        empty_label="全部（本人权限范围）",
        no_match="没有匹配的组织",
        selected=request.GET.get("org", ""),
    )


# ---------------------------------------------------------------- the detail page


@dataclass(frozen=True)
class Abilities:
    """What this user may do to this member (buttons shown; the target pages check again)."""

    reveal: bool
    manage: bool

    @classmethod
    def of(cls, user, member: Member) -> Abilities:
        scope = scope_of(user)
        path_ = member.organization.path
        return cls(
            reveal=scope.covers(REVEAL_SENSITIVE, path_),
            manage=scope.covers(MANAGE_MEMBER, path_),
        )


def _detail_actions(member: Member, can: Abilities) -> dict:
    if not can.manage:
        return {}
    pk = member.pk
    status_url = optional_url("members:status_change", pk)
    return {
        "edit": optional_url("members:edit", pk),
        "status": status_url,
        "status_kinds": [
            (f"{status_url}?kind={kind}", label)
            for kind, label in (
                ("suspend", "停止党籍"),
                ("restore", "恢复党籍"),
                ("leave", "出党"),
                ("death", "去世"),
                ("retire", "退休"),
                ("floating", "流动党员登记"),
                ("lost_contact", "失联登记"),
            )
        ]
        if status_url
        else [],
        "document_upload": optional_url("members:document_upload", pk),
        "reward_add": optional_url("members:reward_add", pk),
        "photo_upload": optional_url("members:photo", pk),
    }


@login_required
@require_GET
def member_detail(request, pk):
    member = select.member_for_user(request.user, pk)
    return _render_detail(request, member)


def _render_detail(request, member: Member, revealed: dict | None = None):
    extra = {tab.key: tab for tab in extra_tabs(request.user, member)}
    tab = request.GET.get("tab", "basic")
    if tab not in TAB_KEYS and tab not in extra:
        tab = "basic"
    can = Abilities.of(request.user, member)
    context = {
        "member": member,
        "person": member.person,
        "tab": tab,
        "tabs": TABS + tuple((t.key, t.label, t.icon) for t in extra.values()),
        "extra_tab_template": extra[tab].template if tab in extra else "",
        "can": can,
        "actions": _detail_actions(member, can),
        "photo_url": optional_url("members:photo", member.pk) if member.person.photo else "",
        "list_url": reverse("members:list") if has_permission(request.user, VIEW_MEMBER) else "",
        "age": display.age(member.person),
        "party_age": display.party_age(member),
    }
    if tab in extra:
        context |= extra[tab].context(request, member)
    else:
        context |= TAB_CONTEXT[tab](request, member, revealed or {})
    return render(request, "members/detail.html", context)


def _basic_context(request, member: Member, revealed: dict) -> dict:
    person = member.person
    sensitive = [
        {
            "field": field,
            "label": field_label(field),
            "masked": display.mask_value(field, getattr(person, field)),
            "revealed": revealed.get(field),
            "empty": not getattr(person, field),
        }
        for field in SENSITIVE_FIELDS
    ]
    return {"sensitive": sensitive}


def _party_context(request, member: Member, revealed: dict) -> dict:
    probationary = member.category == Category.PROBATIONARY
    return {
        "probation_end": display.probation_end(member) if probationary else None,
        "committee_posts": select.committee_posts_of(member),
        "rewards": select.rewards_of(member),
        "status_changes": select.status_changes_of(member),
    }


def _history_context(request, member: Member, revealed: dict) -> dict:
    return paginate(request, select.record_changes_of(member), PER_PAGE)


def _documents_context(request, member: Member, revealed: dict) -> dict:
    documents = select.documents_of(member)
    download = "members:document_download"
    links = {doc.pk: optional_url(download, doc.pk) for doc in documents}
    return {"documents": [{"doc": doc, "url": links[doc.pk]} for doc in documents]}


TAB_CONTEXT = {
    "basic": _basic_context,
    "party": _party_context,
    "history": _history_context,
    "documents": _documents_context,
}


@never_cache
@login_required
@require_POST
def reveal(request, pk):
    """The full value of one personal field, audited; 404 without the reveal permission."""
    member = select.member_for_user(request.user, pk, permission=REVEAL_SENSITIVE)
    field = request.POST.get("field", "")
    if field not in SENSITIVE_FIELDS:
        return HttpResponseBadRequest("只能查看身份证号、手机号或家庭住址。")
    try:
        value = member_reveal(actor=request.user, member=member, field=field)
    except ServiceError as exc:  # pragma: no cover - the checks above come first
        raise Http404 from exc
    if request.htmx:
        return render(
            request,
            "members/_detail_revealed.html",
            {"value": value, "label": field_label(field)},
        )
    return _render_detail(request, member, revealed={field: value})


urlpatterns = [
    path("", member_list, name="list"),
    path("columns/", list_columns, name="list_columns"),
    path("organizations/", organization_options, name="list_org_options"),
    path("<int:pk>/", member_detail, name="detail"),
    path("<int:pk>/reveal/", reveal, name="reveal"),
]

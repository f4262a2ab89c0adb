"""Creating and editing a member's record (`members:create`, `members:edit`) and the searches
behind its organisation, 党小组 and unit pickers (`members:record_options`).

Both pages need `members.manage_member`: a user who holds it nowhere, or a member outside the
scope, answers 404 exactly like a missing one. A saved form redirects (post/redirect/get), and a
create form carries a one-time token so a double click or a reload never creates two records.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.views.decorators.http import require_GET, require_http_methods

from dangjian.core.forms import parse_id
from dangjian.core.scope import get_visible_or_404, has_permission
from dangjian.core.submit_once import SubmitOnce as BaseSubmitOnce
from dangjian.members.forms import (
    OPTION_LIMIT,
    MemberRecordForm,
    record_organizations,
    record_party_groups,
    record_units,
    search,
)
from dangjian.members.models import Member
from dangjian.members.permissions import MANAGE_MEMBER
from dangjian.members.services.records import photo_kind

FORM = "members/record_form.html"
RELATED = ("person", "person__unit", "organization", "party_group")


# ---------------------------------------------------------------- shared by the record views


def managed_member(request, pk) -> Member:
    """The member in the user's `manage_member` scope, else 404 (as missing)."""
    queryset = Member.objects.select_related(*RELATED)
    return get_visible_or_404(queryset, request.user, MANAGE_MEMBER, pk=parse_id(pk))


def require_manager(user) -> None:
    """Pages without an object: a user who may manage members nowhere gets 404."""
    if not has_permission(user, MANAGE_MEMBER):
        raise Http404


def reverse_or(name: str, *args, fallback: str = "/") -> str:
    """A URL of another engineer's page, or `fallback` while that page does not exist yet."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return fallback


def detail_url(member: Member, tab: str = "") -> str:
    url = reverse_or("members:detail", member.pk, fallback="")
    if not url:
        return reverse("members:edit", args=[member.pk])
    return f"{url}?tab={tab}" if tab else url


class SubmitOnce(BaseSubmitOnce):
    """The one-time form token (`core.submit_once`) with this app's cache keys."""

    def __init__(self, request, purpose: str):
        super().__init__(request, purpose, namespace="members")


# ---------------------------------------------------------------- pages


@login_required
@require_http_methods(["GET", "POST"])
def record_create(request):
    require_manager(request.user)
    once = SubmitOnce(request, "record_create")
    if request.method == "POST" and not once.claim():
        return once.repeated(request, reverse_or("members:list", fallback="/"))
    form = MemberRecordForm(
        request.POST or None,
        request.FILES or None,
        actor=request.user,
        initial_organization=_organization_from_query(request),
    )
    if request.method == "POST":
        person = form.save() if form.is_valid() else None
        if person is not None:
            url = detail_url(person.membership)
            once.done(url)
            messages.success(request, f"已新建党员“{person.name}”的档案。")
            return redirect(url)
        once.release()
    context = {
        "form": form,
        "title": "新增党员",
        "token": once.token,
        "list_url": reverse_or("members:list"),
    }
    return render(request, FORM, context)


def _organization_from_query(request):
    """`?organization=<pk>` preselects a branch (a link from the branch's page)."""
    pk = parse_id(request.GET.get("organization"))
    return record_organizations(request.user).filter(pk=pk).first() if pk else None


@login_required
@require_http_methods(["GET", "POST"])
def record_edit(request, pk):
    member = managed_member(request, pk)
    form = MemberRecordForm(
        request.POST or None, request.FILES or None, actor=request.user, member=member
    )
    if request.method == "POST" and form.is_valid():
        changed = bool(form.changed_values()) or bool(form.cleaned_data.get("photo"))
        person = form.save()
        if person is not None:
            if changed:
                messages.success(request, f"已保存“{person.name}”的档案修改。")
            else:
                messages.info(request, "没有修改任何内容。")
            return redirect(detail_url(member))
    context = {
        "form": form,
        "member": member,
        "title": "编辑党员档案",
        "has_photo": bool(photo_kind(member.person)),
        "cancel_url": detail_url(member),
        "list_url": reverse_or("members:list"),
    }
    return render(request, FORM, context)


@login_required
@require_GET
def record_options(request):
    """`<option>`s of a picker: `field=organization|unit` with `q`, or `field=party_group`
    with the chosen `organization`. Everything comes from the manage scope."""
    require_manager(request.user)
    field, query = request.GET.get("field", ""), request.GET.get("q", "")
    user = request.user
    if field == "organization":
        rows = search(record_organizations(user), query, "name", "short_name", "code")
        options = [(org.pk, f"{org.name}（{org.code}）") for org in rows[:OPTION_LIMIT]]
        empty = "请选择党员组织关系所在的党支部"
    elif field == "unit":
        rows = search(record_units(user), query, "name", "code")
        options = [(unit.pk, unit.name) for unit in rows[:OPTION_LIMIT]]
        empty = "请选择所在区队或科室"
    elif field == "party_group":
        pk = parse_id(request.GET.get("organization"))
        organization = record_organizations(user).filter(pk=pk).first() if pk else None
        rows = record_party_groups(user, organization)[:OPTION_LIMIT] if organization else []
        options = [(group.pk, f"{group.name}（{group.code}）") for group in rows]
        empty = "不编入党小组"
    else:
        raise Http404
    context = {"options": options, "empty_label": empty, "limit": OPTION_LIMIT, "field": field}
    return render(request, "members/_record_options.html", context)


urlpatterns = [
    path("new/", record_create, name="create"),
    path("<int:pk>/edit/", record_edit, name="edit"),
    path("record-options/", record_options, name="record_options"),
]

"""The retirees' branch of each 党委/党总支: the list of the organisations that may name one, the
page that sets or clears it and the search-backed options of its branch select; the changes go
through the services in `members.services.status` and their refusals reach the form as in the
党籍 change pages.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods

from dangjian.core.forms import BootstrapForm, limit_rendered_choices
from dangjian.core.paging import paginate
from dangjian.core.scope import get_visible_or_404, has_permission
from dangjian.members.models import RetireeBranch
from dangjian.members.permissions import MANAGE_MEMBER
from dangjian.members.services import status as services
from dangjian.members.views.status import _run
from dangjian.orgs.models import BRANCH_TYPES, Organization

OPTION_LIMIT = 30
SETTINGS_PER_PAGE = 20


class RetireeBranchForm(BootstrapForm):
    branch = forms.ModelChoiceField(
        label="离退休党支部",
        queryset=Organization.objects.none(),
        error_messages={
            "required": "请选择离退休党支部。",
            "invalid_choice": "所选支部不在本组织的下级组织中，请重新选择。",
        },
    )

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["branch"]
        field.queryset = _branches_under(organization)
        field.empty_label = "请选择党支部"
        field.label_from_instance = lambda org: f"{org.name}（{org.code}）"
        field.help_text = "本组织下级党员办理退休时，可选择将组织关系转入该支部。"
        limit_rendered_choices(self, "branch", OPTION_LIMIT)


def _branches_under(organization: Organization):
    return (
        Organization.objects.filter(
            path__startswith=organization.path, org_type__in=BRANCH_TYPES, is_active=True
        )
        .exclude(pk=organization.pk)
        .only("pk", "name", "code", "path")
        .order_by("path")
    )


@login_required
@require_GET
def retiree_settings(request):
    if not has_permission(request.user, MANAGE_MEMBER):
        raise PermissionDenied  # a list page: 403 to who manages members nowhere
    owners = (
        Organization.objects.visible_to(request.user, MANAGE_MEMBER)
        .filter(org_type__in=services.RETIREE_SETTING_TYPES, is_active=True)
        .select_related("retiree_setting__branch")
        .order_by("path")
    )
    context = paginate(request, owners, SETTINGS_PER_PAGE)
    return render(request, "members/retiree_settings.html", context)


def _setting_owner(request, pk) -> Organization:
    org = get_visible_or_404(Organization, request.user, MANAGE_MEMBER, pk=pk)
    if not org.is_active or org.org_type not in services.RETIREE_SETTING_TYPES:
        raise Http404
    return org


@login_required
@require_http_methods(["GET", "POST"])
def retiree_setting_edit(request, pk):
    org = _setting_owner(request, pk)
    current = RetireeBranch.objects.filter(organization=org).select_related("branch").first()
    clearing = request.method == "POST" and request.POST.get("action") == "clear"
    data = request.POST if request.method == "POST" and not clearing else None
    form = RetireeBranchForm(
        data, organization=org, initial={"branch": current.branch_id if current else None}
    )
    back = reverse("members:retiree_settings")
    if clearing:
        try:
            services.retiree_branch_clear(actor=request.user, organization=org)
        except ValidationError as refused:
            messages.error(request, refused.messages[0])
        else:
            messages.success(request, f"已取消“{org.name}”的离退休党支部设置。")
        return redirect(back)
    if data is not None and form.is_valid():
        done = _run(
            request,
            form,
            lambda cleaned: services.retiree_branch_set(
                actor=request.user, organization=org, branch=cleaned["branch"]
            ),
        )
        if done is not None:
            messages.success(request, f"已将“{org.name}”的离退休党支部设为“{done.branch.name}”。")
            return redirect(back)
    context = {"org": org, "form": form, "current": current, "back_url": back}
    return render(request, "members/retiree_form.html", context)


@login_required
@require_GET
def retiree_branch_options(request, pk):
    org = _setting_owner(request, pk)
    query = request.GET.get("q", "").strip()
    branches = _branches_under(org)
    if query:
        branches = branches.filter(Q(name__icontains=query) | Q(code__icontains=query))
    options = [(b.pk, f"{b.name}（{b.code}）") for b in branches[:OPTION_LIMIT]]
    context = {"options": options, "limit": OPTION_LIMIT, "empty_label": "请选择党支部"}
    return render(request, "orgs/_options.html", context)


urlpatterns = [
    path("retirees/", retiree_settings, name="retiree_settings"),
    path("retirees/<int:pk>/", retiree_setting_edit, name="retiree_setting_edit"),
    path("retirees/<int:pk>/branches/", retiree_branch_options, name="retiree_branch_options"),
]

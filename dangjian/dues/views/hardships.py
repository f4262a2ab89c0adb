"""减免申请: a branch requests a reduction or waiver for a member (`dues.manage_dues`); the
committee above it approves or rejects from its queue (`dues.approve_hardship` held above the
branch — the service re-checks). Requests outside the scope answer 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core.exceptions import ServiceError
from dangjian.core.forms import parse_id
from dangjian.core.paging import paginate
from dangjian.core.scope import get_visible_or_404, has_permission, scope_of
from dangjian.dues import selectors, services
from dangjian.dues.forms import DecisionForm, HardshipForm
from dangjian.dues.models import Hardship, HardshipStatus
from dangjian.dues.permissions import APPROVE_HARDSHIP, MANAGE_DUES
from dangjian.dues.views.common import first_message
from dangjian.members.models import Member

TABS = (("decide", "待我审批"), ("all", "全部申请"))


def _require_hardship_role(user) -> None:
    if not (has_permission(user, MANAGE_DUES) or has_permission(user, APPROVE_HARDSHIP)):
        raise PermissionDenied


@login_required
@require_GET
def hardship_list(request):
    user = request.user
    _require_hardship_role(user)
    approver = has_permission(user, APPROVE_HARDSHIP)
    tab = request.GET.get("tab") or ("decide" if approver else "all")
    if tab == "decide" and approver:
        rows = selectors.hardships_to_decide(user)
    else:
        tab = "all"
        status = request.GET.get("status", "")
        status = status if status in HardshipStatus.values else ""
        rows = selectors.hardships_visible(user, status=status or None)
    context = {
        "tab": tab,
        "tabs": TABS if approver else TABS[1:],
        "approver": approver,
        "status": request.GET.get("status", ""),
        "statuses": HardshipStatus.choices,
        "decision_form": DecisionForm(),
        "to_decide_count": selectors.hardships_to_decide(user).count() if approver else 0,
    }
    context |= paginate(request, rows.order_by("-requested_at", "-pk"))
    scope = scope_of(user)
    context["rows"] = [
        {
            "hardship": row,
            "may_withdraw": row.status == HardshipStatus.REQUESTED
            and scope.covers(MANAGE_DUES, row.organization.path),
        }
        for row in context["page_obj"].object_list
    ]
    return render(request, "dues/hardships.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def hardship_new(request, member_id):
    user = request.user
    member = get_visible_or_404(
        Member.objects.select_related("person", "organization"),
        user,
        MANAGE_DUES,
        pk=parse_id(member_id),
    )
    form = HardshipForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.hardship_request(
                actor=user,
                member=member,
                kind=data["kind"],
                first_month=data["first_month"],
                last_month=data["last_month"],
                reason=data["reason"].strip(),
                monthly_amount=data["monthly_amount"],
            )
        except ServiceError as error:
            form.add_error(None, first_message(error))
        else:
            messages.success(request, f"已提交{member.person.name}的党费减免申请，待上级党委审批。")
            return redirect(f"{reverse('dues:hardships')}?tab=all")
    context = {"member": member, "form": form}
    return render(request, "dues/hardship_form.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def hardship_decide(request, hardship_id):
    user = request.user
    queryset = Hardship.objects.select_related("member__person", "organization", "requested_by")
    hardship = get_visible_or_404(queryset, user, APPROVE_HARDSHIP, pk=parse_id(hardship_id))
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            services.hardship_decide(
                actor=user, hardship=hardship, approve=approve, note=form.cleaned_data["note"]
            )
        except ServiceError as error:
            form.add_error(None, first_message(error))
        else:
            verdict = "批准" if approve else "不批准"
            messages.success(request, f"已{verdict}{hardship.member.person.name}的党费减免申请。")
            return redirect("dues:hardships")
    context = {"hardship": hardship, "form": form}
    return render(request, "dues/hardship_decide.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def hardship_withdraw(request, hardship_id):
    user = request.user
    queryset = Hardship.objects.select_related("member__person", "organization")
    hardship = get_visible_or_404(queryset, user, MANAGE_DUES, pk=parse_id(hardship_id))
    try:
        services.hardship_withdraw(actor=user, hardship=hardship)
    except ServiceError as error:
        messages.error(request, first_message(error))
    else:
        messages.success(request, f"已撤回{hardship.member.person.name}的党费减免申请。")
    return redirect(f"{reverse('dues:hardships')}?tab=all")


urlpatterns = [
    path("hardships/", hardship_list, name="hardships"),
    path("hardships/new/<int:member_id>/", hardship_new, name="hardship-new"),
    path("hardships/<int:hardship_id>/decide/", hardship_decide, name="hardship-decide"),
    path("hardships/<int:hardship_id>/withdraw/", hardship_withdraw, name="hardship-withdraw"),
]

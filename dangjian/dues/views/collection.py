"""党费收缴: one organisation's month. A branch sees its members' rows and records payments
inline (HTMX) or marks the whole month as 工资代扣; a committee sees one summary row per
branch of its subtree. Either may run the month (create the due rows)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core.exceptions import ServiceError
from dangjian.core.paging import paginate
from dangjian.core.rules import rule_value
from dangjian.core.scope import get_visible_or_404, has_permission, scope_of
from dangjian.dues import rules, selectors, services
from dangjian.dues.forms import PaymentForm, PayrollForm, PickerForm
from dangjian.dues.models import LedgerEntry
from dangjian.dues.permissions import EXPORT_DUES, MANAGE_DUES, VIEW_DUES
from dangjian.dues.selectors_ui import branch_summaries, own_membership
from dangjian.dues.views.common import (
    first_message,
    is_branch,
    month_or_404,
    organization_or_404,
    parse_month,
    shift_month,
    this_month,
    top_organization,
)

ROWS_PER_PAGE = 50
ENTRY_RELATED = ("member__person", "organization")


@login_required
@require_GET
def home(request):
    """/dues/: the chosen (or the user's highest) organisation's month; a member without a
    dues role goes to their own dues."""
    user = request.user
    if not has_permission(user, VIEW_DUES):
        if own_membership(user) is not None:
            return redirect("dues:mine")
        raise PermissionDenied
    if request.GET.get("org"):
        organization = organization_or_404(user, request.GET["org"], VIEW_DUES)
    else:
        organization = top_organization(user, VIEW_DUES)
        if organization is None:  # pragma: no cover - has_permission implies an organisation
            raise PermissionDenied
    month = parse_month(request.GET.get("month")) or this_month()
    return redirect("dues:branch-month", organization.pk, month.year, month.month)


def _month_urls(organization, month) -> dict:
    def url(name, day):
        return reverse(name, args=[organization.pk, day.year, day.month])

    return {
        "previous": url("dues:branch-month", shift_month(month, -1)),
        "next": url("dues:branch-month", shift_month(month, 1)) if month < this_month() else "",
        "run": url("dues:run", month),
        "payroll": url("dues:payroll", month),
        "totals": url("dues:totals", month),
        "export_payroll": url("dues:export-payroll", month),
        "export_ledger": reverse("dues:export-ledger", args=[organization.pk, month.year]),
    }


@login_required
@require_GET
def branch_month(request, org_id, year, month):
    user = request.user
    organization = organization_or_404(user, org_id, VIEW_DUES)
    month = month_or_404(year, month)
    scope = scope_of(user)
    earliest = selectors.catch_up_earliest()
    context = {
        "organization": organization,
        "month": month,
        "is_branch": is_branch(organization),
        "picker": PickerForm(
            initial={"org": organization.pk, "month": month}, user=user, permission=VIEW_DUES
        ),
        "summary": selectors.month_summary(user, organization=organization, month=month),
        "can_manage": scope.covers(MANAGE_DUES, organization.path),
        "can_export": scope.covers(EXPORT_DUES, organization.path),
        "catch_up_earliest": earliest,
        "catch_up_months": rule_value(rules.CATCH_UP_MONTHS),
        "too_old": month < earliest,
        "is_future": month > this_month(),
        "urls": _month_urls(organization, month),
        "payroll_form": PayrollForm(initial={"paid_on": _payroll_day(month)}),
    }
    if context["is_branch"]:
        entries = selectors.entries_visible(user, organization=organization, month=month)
        context |= paginate(request, entries.order_by("member__person__name", "pk"), ROWS_PER_PAGE)
    else:
        context |= paginate(request, branch_summaries(user, organization=organization, month=month))
    return render(request, "dues/branch_month.html", context)


def _payroll_day(month):
    """Payroll deductions of a past month are dated its last day; of this month, today."""
    if month >= this_month():
        return timezone.localdate()
    return shift_month(month, 1) - datetime.timedelta(days=1)


@login_required
@require_GET
def totals(request, org_id, year, month):
    """The totals card alone, refreshed after an inline payment."""
    organization = organization_or_404(request.user, org_id, VIEW_DUES)
    month = month_or_404(year, month)
    summary = selectors.month_summary(request.user, organization=organization, month=month)
    return render(request, "dues/_totals.html", {"summary": summary})


# ---------------------------------------------------------------- one row: record a payment


def _entry_for_manager(user, entry_id) -> LedgerEntry:
    queryset = LedgerEntry.objects.select_related(*ENTRY_RELATED)
    return get_visible_or_404(queryset, user, MANAGE_DUES, pk=entry_id)


def _version(entry: LedgerEntry) -> str:
    return f"{entry.amount_paid}:{entry.status}"


def _row(request, entry: LedgerEntry, *, trigger: bool = False):
    response = render(request, "dues/_entry_row.html", {"entry": entry, "can_manage": True})
    if trigger:
        response["HX-Trigger"] = "dues-changed"
    return response


@login_required
@require_GET
def entry_row(request, entry_id):
    """The row as it is (the inline form's 取消)."""
    return _row(request, _entry_for_manager(request.user, entry_id))


@login_required
@require_http_methods(["GET", "POST"])
def payment(request, entry_id):
    entry = _entry_for_manager(request.user, entry_id)
    form = PaymentForm(request.POST or None, initial={"version": _version(entry)})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["version"] != _version(entry):
            form.add_error(None, "这个月的缴费情况已经变化（可能已登记过），请核对后再登记。")
        else:
            try:
                services.payment_record(
                    actor=request.user,
                    entry=entry,
                    paid_on=data["paid_on"],
                    channel=data["channel"],
                    amount=data["amount"],
                    payer_name=data["payer_name"].strip(),
                    receipt_number=data["receipt_number"].strip(),
                )
            except ServiceError as error:
                form.add_error(None, first_message(error))
            else:
                entry.refresh_from_db()
                if request.htmx:
                    return _row(request, entry, trigger=True)
                messages.success(request, f"已登记{entry.member.person.name}的党费。")
                return redirect(_back_to_month(entry))
    context = {"entry": entry, "form": form, "back": _back_to_month(entry)}
    if request.htmx:
        return render(request, "dues/_payment_row.html", context)
    status = 400 if form.errors else 200
    return render(request, "dues/payment_form.html", context, status=status)


def _back_to_month(entry: LedgerEntry) -> str:
    month = entry.month
    return reverse("dues:branch-month", args=[entry.organization_id, month.year, month.month])


# ---------------------------------------------------------------- the whole month


@login_required
@require_POST
def payroll(request, org_id, year, month):
    """工资代扣 全部标记: every unsettled row of the branch's month, paid by payroll."""
    organization = organization_or_404(request.user, org_id, MANAGE_DUES)
    month = month_or_404(year, month)
    back = reverse("dues:branch-month", args=[organization.pk, year, month.month])
    form = PayrollForm(request.POST)
    if not form.is_valid():
        messages.error(request, "代扣日期格式不正确，请重新选择。")
        return redirect(back)
    try:
        count = services.payroll_mark(
            actor=request.user,
            organization=organization,
            month=month,
            paid_on=form.cleaned_data["paid_on"],
        )
    except ServiceError as error:
        messages.error(request, first_message(error))
    else:
        if count:
            messages.success(request, f"已将 {count} 人本月党费标记为工资代扣。")
        else:
            messages.info(request, "本月没有需要标记的未缴党费。")
    return redirect(back)


@login_required
@require_POST
def run(request, org_id, year, month):
    """Create the month's due rows for the subtree; a large subtree runs as a job."""
    organization = organization_or_404(request.user, org_id, MANAGE_DUES)
    month = month_or_404(year, month)
    back = reverse("dues:branch-month", args=[organization.pk, year, month.month])
    try:
        result = services.monthly_run_start(
            actor=request.user, organization=organization, month=month
        )
    except ServiceError as error:
        messages.error(request, first_message(error))
        return redirect(back)
    if result.job_id:
        messages.info(request, "党员较多，已在后台生成本月台账，完成后返回本页查看。")
        return redirect("core:job_detail", result.job_id)
    messages.success(request, _run_message(result))
    return redirect(back)


def _run_message(result) -> str:
    text = f"已生成 {result.created_count} 人的本月台账"
    if result.existing_count:
        text += f"，{result.existing_count} 人此前已生成"
    if result.carried_count:
        text += f"，{result.carried_count} 人沿用上年基数"
    text += "。"
    if result.missing_base_count:
        text += f"另有 {result.missing_base_count} 人尚未核定党费基数，请先在“缴费基数”中核定。"
    return text


urlpatterns = [
    path("", home, name="home"),
    path("orgs/<int:org_id>/<int:year>/<int:month>/", branch_month, name="branch-month"),
    path("orgs/<int:org_id>/<int:year>/<int:month>/totals/", totals, name="totals"),
    path("orgs/<int:org_id>/<int:year>/<int:month>/payroll/", payroll, name="payroll"),
    path("orgs/<int:org_id>/<int:year>/<int:month>/run/", run, name="run"),
    path("entries/<int:entry_id>/pay/", payment, name="payment"),
    path("entries/<int:entry_id>/row/", entry_row, name="entry-row"),
]

"""学时 pages: the statistics of a subtree (per organisation, then a branch's members), its Excel,
the member's own year, and the registration of hours from training outside the platform.

Statistics need `meetings.view_compliance` over the organisation (out of scope: 404); the
registration needs `meetings.manage_meeting` over the member's organisation (the service checks
it again). The totals come from `meetings.hours` in a fixed number of queries.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core.exceptions import ServiceError
from dangjian.core.forms import BootstrapForm, DateInput, parse_id
from dangjian.core.paging import paginate
from dangjian.core.scope import get_visible_or_404, has_permission, scope_of
from dangjian.core.search_select import OPTION_LIMIT, options_response, searchable
from dangjian.core.submit_once import SubmitOnce
from dangjian.meetings import hours, hours_export
from dangjian.meetings.models import ClassHourCredit
from dangjian.meetings.permissions import MANAGE_MEETING, VIEW_COMPLIANCE
from dangjian.members.filters import search_q
from dangjian.members.forms.pickers import search
from dangjian.members.models import IN_GOOD_STANDING, Member
from dangjian.orgs.models import Organization, OrgType

FIRST_YEAR = 2000
BRANCH_SORTS = [
    ("organization", "按组织"),
    ("-average", "人均学时从高到低"),
    ("average", "人均学时从低到高"),
    ("-below", "未达标人数从多到少"),
    ("reached_percent", "达标率从低到高"),
    ("-members", "党员数从多到少"),
]
MEMBER_SORTS = [
    ("name", "按姓名"),
    ("-gap", "差额从大到小"),
    ("hours", "学时从少到多"),
    ("-hours", "学时从多到少"),
    ("organization", "按组织"),
]


class OrganizationField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


def _require(user, permission: str) -> None:
    if not has_permission(user, permission):
        raise Http404


def _year(request) -> int:
    today = timezone.localdate()
    year = parse_id(request.GET.get("year"))
    return year if year and FIRST_YEAR <= year <= today.year + 1 else today.year


def _years() -> list[int]:
    this_year = timezone.localdate().year
    return list(range(this_year, this_year - 5, -1))


def statistics_organizations(user):
    """Where the statistics can be read: active organisations (not 党小组) in scope."""
    return (
        Organization.objects.visible_to(user, VIEW_COMPLIANCE)
        .filter(is_active=True)
        .exclude(org_type=OrgType.GROUP)
        .order_by("path")
    )


def _default_organization(user) -> Organization:
    """The top of the user's `view_compliance` scope (the first grant, root first)."""
    prefixes = scope_of(user).paths_for(VIEW_COMPLIANCE)
    organization = Organization.objects.filter(path__in=prefixes).order_by("path").first()
    if organization is None:
        raise Http404
    return organization


class HoursFilterForm(BootstrapForm):
    organization = OrganizationField(
        queryset=Organization.objects.none(),
        label="党组织（含下级）",
        required=False,
        empty_label="我负责的范围",
        error_messages={
            "invalid_choice": "所选党组织不在您可以查看学时统计的范围内，"
            "请输入名称或代码查找后从列表中选择。"
        },
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = statistics_organizations(user)
        searchable(self, "organization", reverse("meetings:hours_organizations"), "输入名称或代码")


def _chosen_organization(request) -> tuple[HoursFilterForm, Organization]:
    form = HoursFilterForm({"organization": request.GET.get("organization", "")}, user=request.user)
    chosen = form.cleaned_data.get("organization") if form.is_valid() else None
    return form, chosen or _default_organization(request.user)


@login_required
@require_GET
def hours_overview(request):
    _require(request.user, VIEW_COMPLIANCE)
    year = _year(request)
    form, organization = _chosen_organization(request)
    requirement = hours.requirement_for(year)
    sort = request.GET.get("sort", "organization")
    below_only = request.GET.get("below") == "1"
    table = hours.BranchRows(organization, requirement, ordering=sort, below_only=below_only)
    return render(
        request,
        "meetings/hours/overview.html",
        {
            **paginate(request, table),
            "filters": form,
            "organization": organization,
            "year": year,
            "years": _years(),
            "sort": sort if sort in hours.BRANCH_ORDERINGS else "organization",
            "sorts": BRANCH_SORTS,
            "below_only": below_only,
            "requirement": requirement,
            "total": hours.subtree_total(organization, requirement),
            "can_add": has_permission(request.user, MANAGE_MEETING),
        },
    )


@login_required
@require_GET
def hours_branch(request, pk):
    """A branch's (or any organisation's subtree's) members with their hours by source."""
    _require(request.user, VIEW_COMPLIANCE)
    organization = get_visible_or_404(
        statistics_organizations(request.user), request.user, VIEW_COMPLIANCE, pk=pk
    )
    year = _year(request)
    requirement = hours.requirement_for(year)
    sort = request.GET.get("sort", "name")
    below_only = request.GET.get("below") == "1"
    q = request.GET.get("q", "").strip()[:50]
    rows = hours.member_rows(organization, requirement, below_only=below_only, ordering=sort, q=q)
    context = paginate(request, rows)
    context["page_obj"].object_list = hours.attach_sources(context["page_obj"].object_list, year)
    may_manage = scope_of(request.user).covers(MANAGE_MEETING, organization.path)
    return render(
        request,
        "meetings/hours/branch.html",
        {
            **context,
            "organization": organization,
            "year": year,
            "years": _years(),
            "sort": sort if sort in hours.MEMBER_ORDERINGS else "name",
            "sorts": MEMBER_SORTS,
            "below_only": below_only,
            "q": q,
            "requirement": requirement,
            "sources": [source.label for source in hours.SOURCES],
            "total": hours.subtree_total(organization, requirement),
            "can_add": may_manage,
            "spans_branches": not organization.is_branch,
        },
    )


@login_required
@require_GET
def organization_options(request):
    _require(request.user, VIEW_COMPLIANCE)
    found = search(
        statistics_organizations(request.user),
        request.GET.get("q", ""),
        "name",
        "short_name",
        "code",
    )
    options = [
        (org.pk, org.display_name) for org in found.only("pk", "name", "short_name")[:OPTION_LIMIT]
    ]
    return options_response(request, options, empty_label="我负责的范围")


@login_required
@require_POST
def hours_export_view(request):
    _require(request.user, VIEW_COMPLIANCE)
    organization_id = parse_id(request.POST.get("organization"))
    if organization_id is None:
        organization = _default_organization(request.user)
    else:
        organization = get_visible_or_404(
            statistics_organizations(request.user),
            request.user,
            VIEW_COMPLIANCE,
            pk=organization_id,
        )
    year = parse_id(request.POST.get("year")) or timezone.localdate().year
    return hours_export.response(request.user, organization, year)


# --- my hours -----------------------------------------------------------------------------------


@login_required
@require_GET
def hours_mine(request):
    person = getattr(request.user, "person", None)
    year = _year(request)
    context = {"year": year, "years": _years(), "person": person}
    if person is not None:
        context["summary"] = hours.person_year(person, year)
        context.update(paginate(request, hours.person_credits(person, year)))
    return render(request, "meetings/hours/mine.html", context)


# --- registering hours from outside the platform ------------------------------------------------


def registrable_members(user):
    """Members in good standing of the organisations where the user manages meetings."""
    return (
        Member.objects.visible_to(user, MANAGE_MEETING)
        .filter(status__in=IN_GOOD_STANDING)
        .select_related("person", "organization")
        .order_by("organization__path", "person__name", "pk")
    )


class MemberField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.person.name}（{obj.organization.display_name}）"


class CreditForm(BootstrapForm):
    member = MemberField(
        queryset=Member.objects.none(),
        label="党员",
        empty_label="请选择党员",
        error_messages={
            "required": "请选择要登记学时的党员。",
            "invalid_choice": "所选党员不在您管理的党组织中，请输入姓名查找后从列表中选择。",
        },
    )
    source = forms.ChoiceField(
        label="来源",
        choices=[
            (ClassHourCredit.Source.TRAINING, "集中培训（党校、培训班）"),
            (ClassHourCredit.Source.LEARNING, "在线学习"),
            (ClassHourCredit.Source.MANUAL, "其他（手工登记）"),
        ],
    )
    on_date = forms.DateField(
        label="日期",
        widget=DateInput(),
        error_messages={"invalid": "请按 2026-05-01 的格式填写日期。"},
    )
    hours = forms.DecimalField(
        label="学时",
        max_digits=5,
        decimal_places=1,
        help_text="脱产培训每天按 8 学时，讲座每半天按 4 学时，其他按实际小时计。",
        error_messages={
            "invalid": "学时须为数字，例如 2 或 1.5。",
            "max_decimal_places": "学时最多保留一位小数。",
        },
    )
    note = forms.CharField(label="说明", max_length=200, help_text="培训班名称、课程或学习内容。")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = registrable_members(user)
        searchable(self, "member", reverse("meetings:hours_people"), "输入姓名、拼音或工号")
        for name in ("on_date", "hours", "note", "source"):
            self.fields[name].error_messages["required"] = f"请填写{self.fields[name].label}。"


@login_required
@require_http_methods(["GET", "POST"])
def hours_add(request):
    _require(request.user, MANAGE_MEETING)
    from dangjian.meetings.services.credits import add_manual_credit

    once = SubmitOnce(request, "hours_add", namespace="meetings")
    initial = {"on_date": timezone.localdate(), "source": ClassHourCredit.Source.TRAINING}
    if member_id := parse_id(request.GET.get("member")):
        initial["member"] = member_id
    form = CreditForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        if not once.claim():
            return once.repeated(request, reverse("meetings:hours_add"))
        data = form.cleaned_data
        member = data["member"]
        try:
            add_manual_credit(
                user=request.user,
                person=member.person,
                on_date=data["on_date"],
                hours=data["hours"],
                note=data["note"],
                source=data["source"],
            )
        except ServiceError as exc:
            once.release()
            form.add_error(None, exc.messages[0])
        else:
            target = (
                f"{reverse('meetings:hours_branch', args=[member.organization_id])}"
                f"?year={data['on_date'].year}&q={member.person.name}"
            )
            once.done(target)
            messages.success(
                request, f"已为{member.person.name}登记 {data['hours']} 学时（{data['note']}）。"
            )
            return redirect(target)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "meetings/hours/add.html", {"form": form, "form_token": once.token}, status=status
    )


@login_required
@require_GET
def people_options(request):
    _require(request.user, MANAGE_MEETING)
    query = request.GET.get("q", "").strip()[:50]
    found = registrable_members(request.user).filter(search_q(query))[:OPTION_LIMIT]
    options = [(member.pk, MemberField.label_from_instance(None, member)) for member in found]
    return options_response(request, options, empty_label="请选择党员")


urlpatterns = [
    path("hours/", hours_overview, name="hours"),
    path("hours/organizations/", organization_options, name="hours_organizations"),
    path("hours/export/", hours_export_view, name="hours_export"),
    path("hours/mine/", hours_mine, name="hours_mine"),
    path("hours/add/", hours_add, name="hours_add"),
    path("hours/add/people/", people_options, name="hours_people"),
    path("hours/<int:pk>/", hours_branch, name="hours_branch"),
]

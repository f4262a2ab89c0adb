"""Pages of 换届: the terms page of a subtree (terms ending soon, overdue terms, organisations that
need a committee and have none, elections recorded) and the election record (register, result,
confirm into the new committee term).

The terms page and the election records are read with `orgs.view_committee` over the
organisation; recording needs `meetings.manage_election`, confirming also `orgs.manage_committee`
(it creates the committee term). Outside the scope everything answers 404.
"""

from __future__ import annotations

import datetime
import io

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from openpyxl import Workbook

from dangjian.audit.services import audit_log
from dangjian.core.exceptions import ServiceError
from dangjian.core.forms import BootstrapForm, DateInput, limit_rendered_choices, parse_id
from dangjian.core.paging import paginate
from dangjian.core.pdf import pdf_response, render_pdf
from dangjian.core.scope import get_visible_or_404, has_permission, scope_of
from dangjian.core.search_select import options_response, searchable
from dangjian.core.submit_once import SubmitOnce
from dangjian.meetings.models import Category, Election, Meeting
from dangjian.meetings.permissions import MANAGE_ELECTION
from dangjian.meetings.services import elections as services
from dangjian.members.forms.pickers import search
from dangjian.members.models import Person
from dangjian.orgs import warnings as org_warnings
from dangjian.orgs.models import BRANCH_TYPES, Organization, OrgType
from dangjian.orgs.permissions import MANAGE_COMMITTEE, VIEW_COMMITTEE
from dangjian.orgs.services.committees import default_term_years

NAMESPACE = "meetings"
TABS = (
    ("soon", "即将届满"),
    ("overdue", "已逾期"),
    ("missing", "应建未建班子"),
    ("elections", "选举记录"),
)
MAX_CANDIDATE_ROWS = services.MAX_CANDIDATES
BLANK_CANDIDATE_ROWS = 9  # a 支委会 of 7 elected 差额 needs 9 candidates


def _require(user, permission: str) -> None:
    if not has_permission(user, permission):
        raise Http404


class OrganizationField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class PersonField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.work_number}）" if obj.work_number else obj.name


def _scope_organizations(user):
    return (
        Organization.objects.visible_to(user, VIEW_COMMITTEE)
        .filter(is_active=True)
        .exclude(org_type=OrgType.GROUP)
        .order_by("path")
    )


class WithinForm(BootstrapForm):
    within = OrganizationField(
        queryset=Organization.objects.none(),
        label="党组织（含下级）",
        required=False,
        empty_label="全部",
        error_messages={
            "invalid_choice": "所选党组织不在您可以查看班子的范围内，请输入名称或代码查找后选择。"
        },
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["within"].queryset = _scope_organizations(user)
        searchable(self, "within", reverse("meetings:terms_organizations"), "输入名称或代码查找")


# ---------------------------------------------------------------------------------------------
# the terms page


def _subtree(user, within) -> Q | None:
    paths = [within.path] if within is not None else scope_of(user).paths_for(VIEW_COMMITTEE)
    from dangjian.core.scope import prefix_q

    return prefix_q("path", paths)


def term_rows(user, tab: str, within=None, today: datetime.date | None = None):
    """The organisations of one tab, annotated (`orgs.warnings.with_figures`), in the DB."""
    today = today or timezone.localdate()
    limits = org_warnings.Limits.on(today)
    condition = _subtree(user, within)
    if condition is None:
        return Organization.objects.none()
    rows = org_warnings.with_figures(Organization.objects.filter(condition, is_active=True))
    if tab == "soon":
        return rows.filter(
            current_term_end__gte=today, current_term_end__lte=limits.notice_before
        ).order_by("current_term_end", "path")
    if tab == "overdue":
        return rows.filter(current_term_end__lt=today).order_by("current_term_end", "path")
    return rows.filter(
        org_type__in=BRANCH_TYPES,
        full_member_count__gte=limits.committee_required,
        current_term_end__isnull=True,
    ).order_by("path")


def election_rows(user, within=None):
    elections = Election.objects.visible_to(user, VIEW_COMMITTEE)
    if within is not None:
        elections = elections.filter(organization__path__startswith=within.path)
    return elections.select_related("organization").order_by("-held_on", "-created_at")


@login_required
@require_GET
def terms(request):
    _require(request.user, VIEW_COMMITTEE)
    tab = request.GET.get("tab", "soon")
    if tab not in dict(TABS):
        tab = "soon"
    filters = WithinForm({"within": request.GET.get("within", "")}, user=request.user)
    within = filters.cleaned_data["within"] if filters.is_valid() else None
    today = timezone.localdate()
    rows = (
        election_rows(request.user, within)
        if tab == "elections"
        else term_rows(request.user, tab, within, today)
    )
    page = paginate(request, rows)
    if tab != "elections":
        for org in page["page_obj"].object_list:
            org.days_overdue = (today - org.current_term_end).days if org.current_term_end else 0
            org.days_left = (org.current_term_end - today).days if org.current_term_end else 0
    limits = org_warnings.Limits.on(today)
    return render(
        request,
        "meetings/terms/list.html",
        {
            **page,
            "tab": tab,
            "tabs": TABS,
            "filters": filters,
            "within": within,
            "limits": limits,
            "can_record": has_permission(request.user, MANAGE_ELECTION),
        },
    )


@login_required
@require_GET
def organization_options(request):
    _require(request.user, VIEW_COMMITTEE)
    found = search(
        _scope_organizations(request.user), request.GET.get("q", ""), "name", "short_name", "code"
    )
    options = [(org.pk, org.display_name) for org in found[:30]]
    return options_response(request, options, empty_label="全部")


EXPORT_LIMIT = 20000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def terms_workbook(rows, tab: str, today: datetime.date) -> tuple[bytes, int]:
    """The rows of one tab as an Excel sheet (read in chunks from the database)."""
    book = Workbook(write_only=True)
    label = dict(TABS)[tab]
    sheet = book.create_sheet(f"换届情况-{label}")
    for column, width in zip("ABCDEF", (6, 36, 12, 14, 12, 12), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.append([f"换届情况：{label}（{today:%Y-%m-%d}）"])
    sheet.append(["序号", "党组织", "类型", "任期届满", "剩余/逾期天数", "正式党员"])
    count = 0
    for count, org in enumerate(rows[:EXPORT_LIMIT].iterator(chunk_size=2000), start=1):
        end = org.current_term_end
        days = "" if end is None else (end - today).days
        sheet.append(
            [
                count,
                org.name,
                org.get_org_type_display(),
                end.isoformat() if end else "无现任班子",
                days,
                org.full_member_count,
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), count


@login_required
@require_POST
def terms_export(request):
    """The current tab (terms ending soon, overdue, missing committees) as Excel (audited)."""
    _require(request.user, VIEW_COMMITTEE)
    tab = request.POST.get("tab", "soon")
    if tab not in ("soon", "overdue", "missing"):
        tab = "soon"
    filters = WithinForm({"within": request.POST.get("within", "")}, user=request.user)
    within = filters.cleaned_data["within"] if filters.is_valid() else None
    today = timezone.localdate()
    content, count = terms_workbook(term_rows(request.user, tab, within, today), tab, today)
    audit_log(
        actor=request.user,
        action="meetings.terms_export",
        organization=within,
        after={"tab": tab, "within": within.pk if within else None, "rows": count},
    )
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="terms-{tab}-{today:%Y%m%d}.xlsx"'
    return response


# ---------------------------------------------------------------------------------------------
# election forms


class ChooseOrganizationForm(BootstrapForm):
    organization = OrganizationField(
        queryset=Organization.objects.none(),
        label="党组织",
        empty_label="请选择进行换届选举的党组织",
        error_messages={
            "required": "请选择党组织。",
            "invalid_choice": "所选党组织不在您可以登记换届选举的范围内，请输入名称查找后选择。",
        },
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = services.election_organizations(user).order_by(
            "path"
        )
        searchable(
            self, "organization", reverse("meetings:election_organizations"), "输入名称或代码查找"
        )


class MeetingField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.held_on:%Y-%m-%d} {obj.topic}"


class ElectionForm(BootstrapForm):
    held_on = forms.DateField(
        label="选举日期", widget=DateInput(), error_messages={"required": "请填写选举日期。"}
    )
    meeting = MeetingField(
        queryset=Meeting.objects.none(),
        label="选举大会（党员大会记录）",
        required=False,
        empty_label="不关联",
        error_messages={"invalid_choice": "请选择本组织的一次党员大会。"},
    )
    seats = forms.IntegerField(label="应选名额", min_value=1, max_value=30)
    entitled_count = forms.IntegerField(
        label="应到会有选举权党员",
        min_value=1,
        help_text="正式党员人数；预备党员没有选举权，不计入。",
    )
    present_count = forms.IntegerField(label="实到会有选举权党员", min_value=0)
    ballots_issued = forms.IntegerField(label="发出选票", min_value=0)
    ballots_returned = forms.IntegerField(label="收回选票", min_value=0)
    ballots_valid = forms.IntegerField(label="有效票", min_value=0)
    term_years = forms.IntegerField(label="任期（年）", min_value=3, max_value=5)
    note = forms.CharField(label="备注", max_length=500, required=False)

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = Meeting.objects.filter(
            organization=organization, category=Category.CONGRESS
        ).order_by("-held_on", "-pk")
        limit_rendered_choices(self, "meeting", 30)
        for name in self.fields:
            if isinstance(self.fields[name], forms.IntegerField):
                self.fields[name].error_messages.update(
                    {
                        "required": f"请填写{self.fields[name].label}。",
                        "invalid": f"{self.fields[name].label}须为整数。",
                    }
                )


class CandidateForm(BootstrapForm):
    person = PersonField(
        queryset=Person.objects.none(),
        label="候选人",
        required=False,
        empty_label="请选择正式党员",
        error_messages={
            "invalid_choice": "所选人员不是本组织党籍正常的正式党员：预备党员没有选举权和被选举权，"
            "请输入姓名查找后从列表中选择。"
        },
    )
    votes = forms.IntegerField(label="得票", min_value=0, required=False)

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = Person.objects.filter(
            membership__in=services.voters(organization)
        ).order_by("name", "pk")
        url = reverse("meetings:election_people") + f"?organization={organization.pk}"
        searchable(self, "person", url, "输入姓名或工号查找", limit=10)


CandidateFormSet = forms.formset_factory(CandidateForm, extra=0, max_num=MAX_CANDIDATE_ROWS)


def _candidate_initial(election: Election | None) -> list[dict]:
    rows = []
    if election is not None:
        rows = [{"person": c.person_id, "votes": c.votes} for c in election.candidates.all()]
    return rows + [{} for _ in range(3 if rows else BLANK_CANDIDATE_ROWS)]


def _managed_election(request, pk) -> Election:
    election = get_visible_or_404(
        Election.objects.select_related("organization"), request.user, MANAGE_ELECTION, pk=pk
    )
    return election


def _election_form(request, organization: Organization, election: Election | None):
    once = SubmitOnce(
        request, f"election:{election.pk if election else organization.pk}", namespace=NAMESPACE
    )
    if election is not None:
        initial = {
            name: getattr(election, name)
            for name in (
                "held_on", "seats", "entitled_count", "present_count", "ballots_issued",
                "ballots_returned", "ballots_valid", "term_years", "note",
            )
        }  # fmt: skip
        initial["meeting"] = election.meeting_id
    else:
        full_members = services.voters(organization).count()
        initial = {
            "held_on": timezone.localdate(),
            "term_years": default_term_years(organization),
            "entitled_count": full_members,
        }
    form = ElectionForm(request.POST or None, organization=organization, initial=initial)
    candidates = CandidateFormSet(
        request.POST or None,
        initial=_candidate_initial(election),
        prefix="cand",
        form_kwargs={"organization": organization},
    )
    if request.method == "POST" and form.is_valid() and candidates.is_valid():
        if not once.claim():
            return once.repeated(request, reverse("meetings:terms") + "?tab=elections")
        rows = [
            (row["person"], row.get("votes"))
            for row in candidates.cleaned_data
            if row and row.get("person")
        ]
        data = dict(form.cleaned_data)
        meeting = data.pop("meeting")
        note = data.pop("note")
        try:
            saved = services.election_save(
                actor=request.user,
                organization=organization,
                election=election,
                candidates=rows,
                meeting=meeting,
                note=note,
                **data,
            )
        except ServiceError as exc:
            once.release()
            form.add_error(None, exc.messages[0])
        else:
            url = reverse("meetings:election_detail", args=[saved.pk])
            once.done(url)
            messages.success(request, "选举结果已登记，请核对计票结果后确认。")
            return redirect(url)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "meetings/terms/election_form.html",
        {
            "organization": organization,
            "election": election,
            "form": form,
            "candidates": candidates,
            "form_token": once.token,
            "full_members": services.voters(organization).count(),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def election_create(request):
    _require(request.user, MANAGE_ELECTION)
    org_id = parse_id(request.GET.get("organization"))
    if org_id is None:
        chooser = ChooseOrganizationForm(user=request.user)
        return render(request, "meetings/terms/election_choose.html", {"chooser": chooser})
    organization = services.election_organizations(request.user).filter(pk=org_id).first()
    if organization is None:
        raise Http404
    return _election_form(request, organization, None)


@login_required
@require_http_methods(["GET", "POST"])
def election_edit(request, pk):
    election = _managed_election(request, pk)
    if election.status != Election.Status.DRAFT:
        messages.error(request, "选举结果已经确认，不能再修改。")
        return redirect("meetings:election_detail", election.pk)
    return _election_form(request, election.organization, election)


@login_required
@require_GET
def election_organizations(request):
    _require(request.user, MANAGE_ELECTION)
    found = search(
        services.election_organizations(request.user).order_by("path"),
        request.GET.get("q", ""),
        "name",
        "short_name",
        "code",
    )
    options = [(org.pk, org.display_name) for org in found[:30]]
    return options_response(request, options, empty_label="请选择进行换届选举的党组织")


@login_required
@require_GET
def election_people(request):
    """The candidate picker: 正式党员 in good standing of the organisation (and its subtree)."""
    _require(request.user, MANAGE_ELECTION)
    org_id = parse_id(request.GET.get("organization"))
    organization = services.election_organizations(request.user).filter(pk=org_id).first()
    if organization is None:
        raise Http404
    people = Person.objects.filter(membership__in=services.voters(organization))
    found = search(people, request.GET.get("q", ""), "name", "work_number").order_by("name", "pk")
    label = PersonField(queryset=Person.objects.none()).label_from_instance
    options = [(person.pk, label(person)) for person in found[:30]]
    return options_response(request, options, empty_label="请选择正式党员")


@login_required
@require_GET
def election_detail(request, pk):
    election, result = _election_with_labels(request, pk)
    scope = scope_of(request.user)
    can_manage = scope.covers(MANAGE_ELECTION, election.organization.path)
    can_confirm = (
        can_manage
        and scope.covers(MANAGE_COMMITTEE, election.organization.path)
        and election.status == Election.Status.DRAFT
    )
    once = SubmitOnce(request, f"election-confirm:{election.pk}", namespace=NAMESPACE)
    return render(
        request,
        "meetings/terms/election_detail.html",
        {
            "election": election,
            "result": result,
            "can_manage": can_manage and election.status == Election.Status.DRAFT,
            "can_confirm": can_confirm and result.confirmable,
            "posts": services.ELECTION_POSTS,
            "form_token": once.token,
        },
    )


def _election_with_labels(request, pk):
    election = get_visible_or_404(
        Election.objects.select_related("organization", "meeting", "committee", "created_by"),
        request.user,
        VIEW_COMMITTEE,
        pk=pk,
    )
    candidates = list(election.candidates.select_related("person"))
    labels = dict(services.ELECTION_POSTS)
    for row in candidates:
        row.post_label = labels.get(row.post, "")
    return election, services.tally(election, candidates)


@login_required
@require_GET
def election_pdf(request, pk):
    """The election result report (选举结果报告) to print and sign; audited like an export."""
    election, result = _election_with_labels(request, pk)
    content = render_pdf(
        "meetings/terms/election_pdf.html", {"election": election, "result": result}
    )
    audit_log(
        actor=request.user,
        action="meetings.election_print",
        obj=election,
        organization=election.organization,
    )
    return pdf_response(content, f"{election.organization.name}换届选举结果报告.pdf")


@login_required
@require_POST
def election_confirm(request, pk):
    election = _managed_election(request, pk)
    once = SubmitOnce(request, f"election-confirm:{election.pk}", namespace=NAMESPACE)
    url = reverse("meetings:election_detail", args=[election.pk])
    if not once.claim():
        return once.repeated(request, url)
    posts = {
        key.removeprefix("post-"): value
        for key, value in request.POST.items()
        if key.startswith("post-")
    }
    try:
        election = services.election_confirm(
            actor=request.user,
            election=election,
            posts=posts,
            approval_note=request.POST.get("approval_note", "")[:200],
        )
    except ServiceError as exc:
        once.release()
        messages.error(request, exc.messages[0])
    else:
        once.done(url)
        messages.success(
            request,
            f"选举结果已确认，已产生{election.committee}，"
            f"任期至 {election.committee.term_end:%Y-%m-%d}。",
        )
    return redirect(url)


urlpatterns = [
    path("terms/", terms, name="terms"),
    path("terms/organizations/", organization_options, name="terms_organizations"),
    path("terms/export/", terms_export, name="terms_export"),
    path("elections/new/", election_create, name="election_create"),
    path("elections/organizations/", election_organizations, name="election_organizations"),
    path("elections/people/", election_people, name="election_people"),
    path("elections/<uuid:pk>/", election_detail, name="election_detail"),
    path("elections/<uuid:pk>/edit/", election_edit, name="election_edit"),
    path("elections/<uuid:pk>/confirm/", election_confirm, name="election_confirm"),
    path("elections/<uuid:pk>/report.pdf", election_pdf, name="election_pdf"),
]

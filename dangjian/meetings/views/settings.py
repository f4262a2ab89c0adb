"""组织生活 configuration pages: meeting types, the compliance rule table of each profile, and
which organisations follow a profile. All need `meetings.configure` held on a root organisation
(`configuration.require_configure`, 404 otherwise); the writes go through
`meetings.configuration`, which validates, audits and answers a Chinese `ServiceError`.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core.exceptions import ServiceError
from dangjian.core.forms import BootstrapForm, parse_id
from dangjian.core.paging import paginate
from dangjian.core.search_select import OPTION_LIMIT, options_response, searchable
from dangjian.core.submit_once import SubmitOnce
from dangjian.meetings import configuration
from dangjian.meetings.models import (
    Attendees,
    Category,
    ComplianceProfile,
    ComplianceRule,
    MeetingType,
    Period,
    Quorum,
)
from dangjian.members.forms.pickers import search
from dangjian.orgs.models import Organization, OrgType


class SettingsForm(BootstrapForm):
    """Bootstrap's check class on the check boxes too (BootstrapForm leaves them alone)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
                field.widget.attrs["class"] = "form-check-input"
            verb = "请选择" if isinstance(field, forms.ChoiceField) else "请填写"
            field.error_messages["required"] = f"{verb}{field.label}。"


MONTHS = [("", "不限")] + [(str(month), f"{month}月") for month in range(1, 13)]


class TypeForm(SettingsForm):
    name = forms.CharField(label="类型名称", max_length=40)
    category = forms.ChoiceField(
        label="归类", choices=Category.choices, help_text="落实情况和法定人数按归类计算。"
    )
    quorum = forms.ChoiceField(label="法定人数", choices=Quorum.choices)
    default_attendees = forms.ChoiceField(label="默认参加人员", choices=Attendees.choices)
    class_hours = forms.DecimalField(
        label="计入学时",
        min_value=0,
        max_digits=4,
        decimal_places=1,
        help_text="每次出席计入的学时；0 表示不计学时。",
    )
    has_lecturer = forms.BooleanField(label="有授课人", required=False)
    is_active = forms.BooleanField(label="启用", required=False)
    sort_order = forms.IntegerField(label="排序", min_value=0, max_value=999, initial=0)

    def __init__(self, *args, builtin: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if builtin:
            self.fields["category"].disabled = True
            self.fields["category"].help_text = "内置类型的归类固定，不能修改。"


class RuleForm(SettingsForm):
    label = forms.CharField(
        label="要求", max_length=100, help_text="如“支部党员大会每季度至少召开1次”。"
    )
    category = forms.ChoiceField(label="会议归类", choices=Category.choices)
    counts_appraisal = forms.BooleanField(label="按民主评议党员计（不是会议）", required=False)
    period = forms.ChoiceField(label="周期", choices=Period.choices)
    min_count = forms.IntegerField(label="最少次数", min_value=1, max_value=configuration.MAX_COUNT)
    org_types = forms.MultipleChoiceField(
        label="适用组织类型", choices=OrgType.choices, widget=forms.CheckboxSelectMultiple
    )
    requires_committee = forms.BooleanField(label="仅适用设支委会的组织", required=False)
    due_month = forms.ChoiceField(
        label="通常完成月份", choices=MONTHS, required=False, help_text="年度要求一般完成的月份。"
    )
    source = forms.CharField(
        label="依据",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="文件名称和条款，显示在落实情况旁。",
    )
    is_active = forms.BooleanField(label="启用", required=False)
    sort_order = forms.IntegerField(label="排序", min_value=0, max_value=999, initial=0)


class ProfileForm(SettingsForm):
    name = forms.CharField(label="方案名称", max_length=50)
    description = forms.CharField(label="说明", max_length=300, required=False)


class OrganizationField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class ProfileOrganizationForm(BootstrapForm):
    organization = OrganizationField(
        queryset=Organization.objects.none(),
        label="添加党组织",
        empty_label="请选择党组织",
        error_messages={
            "required": "请选择要适用本方案的党组织。",
            "invalid_choice": "所选党组织不存在或已撤销，请输入名称查找后从列表中选择。",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = _profile_organizations()
        url = reverse("meetings:settings_organizations")
        searchable(self, "organization", url, "输入名称或代码查找")


def _profile_organizations():
    return (
        Organization.objects.filter(is_active=True).exclude(org_type=OrgType.GROUP).order_by("path")
    )


def _refused(form, exc: ServiceError) -> None:
    form.add_error(None, exc.messages[0])


# --- meeting types ------------------------------------------------------------------------------


@login_required
@require_GET
def type_list(request):
    configuration.require_configure(request.user)
    types = MeetingType.objects.annotate(used=Count("meetings")).order_by("sort_order", "id")
    return render(
        request, "meetings/settings/types.html", {**paginate(request, types), "tab": "types"}
    )


@login_required
@require_http_methods(["GET", "POST"])
def type_edit(request, pk=None):
    configuration.require_configure(request.user)
    meeting_type = get_object_or_404(MeetingType, pk=pk) if pk else None
    once = SubmitOnce(request, "type_new", namespace="meetings") if pk is None else None
    initial = {"is_active": True, "quorum": Quorum.NONE, "class_hours": 0, "sort_order": 100}
    if meeting_type is not None:
        initial = {name: getattr(meeting_type, name) for name in configuration.TYPE_FIELDS}
    builtin = bool(meeting_type and meeting_type.is_builtin)
    form = TypeForm(request.POST or None, initial=initial, builtin=builtin)
    if request.method == "POST" and form.is_valid():
        if once is not None and not once.claim():
            return once.repeated(request, reverse("meetings:settings_types"))
        try:
            saved = configuration.type_save(
                user=request.user, meeting_type=meeting_type, **form.cleaned_data
            )
        except ServiceError as exc:
            if once is not None:
                once.release()
            _refused(form, exc)
        else:
            if once is not None:
                once.done(reverse("meetings:settings_types"))
            messages.success(request, f"会议类型“{saved.name}”已保存。")
            return redirect("meetings:settings_types")
    return render(
        request,
        "meetings/settings/type_form.html",
        {
            "form": form,
            "meeting_type": meeting_type,
            "form_token": once.token if once else "",
            "tab": "types",
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def type_delete(request, pk):
    configuration.require_configure(request.user)
    meeting_type = MeetingType.objects.filter(pk=pk).first()
    if meeting_type is None:
        messages.info(request, "该会议类型已经删除。")
        return redirect("meetings:settings_types")
    try:
        configuration.type_delete(user=request.user, meeting_type=meeting_type)
    except ServiceError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"会议类型“{meeting_type.name}”已删除。")
    return redirect("meetings:settings_types")


# --- the rule table -----------------------------------------------------------------------------


def _profile_from(request) -> ComplianceProfile | None:
    profile_id = parse_id(request.GET.get("profile"))
    return get_object_or_404(ComplianceProfile, pk=profile_id) if profile_id else None


@login_required
@require_GET
def rule_list(request):
    configuration.require_configure(request.user)
    profile = _profile_from(request)
    rules = ComplianceRule.objects.filter(profile=profile).order_by("sort_order", "id")
    return render(
        request,
        "meetings/settings/rules.html",
        {
            **paginate(request, rules, per_page=50),
            "profile": profile,
            "profiles": ComplianceProfile.objects.order_by("name"),
            "org_type_labels": dict(OrgType.choices),
            "tab": "rules",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request, pk=None):
    configuration.require_configure(request.user)
    rule = (
        get_object_or_404(ComplianceRule.objects.select_related("profile"), pk=pk) if pk else None
    )
    profile = rule.profile if rule else _profile_from(request)
    once = SubmitOnce(request, "rule_new", namespace="meetings") if rule is None else None
    back = reverse("meetings:settings_rules") + (f"?profile={profile.pk}" if profile else "")
    initial = {"is_active": True, "min_count": 1, "org_types": ["branch"], "sort_order": 100}
    if rule is not None:
        initial = {name: getattr(rule, name) for name in configuration.RULE_FIELDS}
    form = RuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if once is not None and not once.claim():
            return once.repeated(request, back)
        try:
            saved = configuration.rule_save(
                user=request.user, rule=rule, profile=profile, **form.cleaned_data
            )
        except ServiceError as exc:
            if once is not None:
                once.release()
            _refused(form, exc)
        else:
            if once is not None:
                once.done(back)
            messages.success(request, f"落实要求“{saved.label}”已保存。")
            return redirect(back)
    return render(
        request,
        "meetings/settings/rule_form.html",
        {
            "form": form,
            "rule": rule,
            "profile": profile,
            "back": back,
            "form_token": once.token if once else "",
            "tab": "rules",
        },
        status=400 if request.method == "POST" else 200,
    )


# --- profiles -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def profile_list(request):
    configuration.require_configure(request.user)
    once = SubmitOnce(request, "profile_new", namespace="meetings")
    form = ProfileForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not once.claim():
            return once.repeated(request, reverse("meetings:settings_profiles"))
        try:
            profile = configuration.profile_save(user=request.user, **form.cleaned_data)
        except ServiceError as exc:
            once.release()
            _refused(form, exc)
        else:
            target = reverse("meetings:settings_profile", args=[profile.pk])
            once.done(target)
            messages.success(request, f"方案“{profile.name}”已新增，请添加适用的党组织和要求。")
            return redirect(target)
    profiles = ComplianceProfile.objects.annotate(
        organization_count=Count("organizations", distinct=True),
        rule_count=Count("rules", distinct=True),
    ).order_by("name")
    return render(
        request,
        "meetings/settings/profiles.html",
        {**paginate(request, profiles), "form": form, "form_token": once.token, "tab": "profiles"},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def profile_detail(request, pk):
    configuration.require_configure(request.user)
    profile = get_object_or_404(ComplianceProfile, pk=pk)
    form = ProfileForm(
        request.POST if request.POST.get("action") == "rename" else None,
        initial={"name": profile.name, "description": profile.description},
    )
    add_form = ProfileOrganizationForm(
        request.POST if request.POST.get("action") == "add" else None
    )
    if request.method == "POST":
        done = _profile_post(request, profile, form, add_form)
        if done:
            return redirect("meetings:settings_profile", profile.pk)
    organizations = profile.organizations.order_by("path")
    return render(
        request,
        "meetings/settings/profile.html",
        {
            **paginate(request, organizations),
            "profile": profile,
            "form": form,
            "add_form": add_form,
            "tab": "profiles",
        },
        status=400 if request.method == "POST" else 200,
    )


def _profile_post(request, profile, form, add_form) -> bool:
    action = request.POST.get("action")
    try:
        if action == "rename" and form.is_valid():
            configuration.profile_save(user=request.user, profile=profile, **form.cleaned_data)
            messages.success(request, "方案名称和说明已保存。")
            return True
        if action == "add" and add_form.is_valid():
            organization = add_form.cleaned_data["organization"]
            added = configuration.profile_add_organization(
                user=request.user, profile=profile, organization=organization
            )
            verb = "已添加" if added else "已在本方案中"
            messages.success(request, f"“{organization.display_name}”{verb}。")
            return True
        if action == "remove":
            organization = profile.organizations.filter(
                pk=parse_id(request.POST.get("organization"))
            ).first()
            if organization is not None:
                configuration.profile_remove_organization(
                    user=request.user, profile=profile, organization=organization
                )
                messages.success(request, f"“{organization.display_name}”已移出，恢复默认要求。")
            return True
    except ServiceError as exc:
        _refused(add_form if action == "add" else form, exc)
    return False


@login_required
@require_GET
def organization_options(request):
    configuration.require_configure(request.user)
    found = search(_profile_organizations(), request.GET.get("q", ""), "name", "short_name", "code")
    options = [
        (org.pk, org.display_name) for org in found.only("pk", "name", "short_name")[:OPTION_LIMIT]
    ]
    return options_response(request, options, empty_label="请选择党组织")


urlpatterns = [
    path("settings/types/", type_list, name="settings_types"),
    path("settings/types/new/", type_edit, name="settings_type_new"),
    path("settings/types/<int:pk>/", type_edit, name="settings_type_edit"),
    path("settings/types/<int:pk>/delete/", type_delete, name="settings_type_delete"),
    path("settings/rules/", rule_list, name="settings_rules"),
    path("settings/rules/new/", rule_edit, name="settings_rule_new"),
    path("settings/rules/<int:pk>/", rule_edit, name="settings_rule_edit"),
    path("settings/profiles/", profile_list, name="settings_profiles"),
    path("settings/profiles/organizations/", organization_options, name="settings_organizations"),
    path("settings/profiles/<int:pk>/", profile_detail, name="settings_profile"),
]

"""党籍 changes of one member (`?kind=`); the retirees' branch settings are in `retirees.py`.

The forms live here rather than in the `members/forms/` package because they exist only for
these pages; each page parses its form, calls one service from `members.services.status` and
redirects (post/redirect/get) to the member page, so a reload does not submit again.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.views.decorators.http import require_http_methods

from dangjian.core.forms import BootstrapForm, DateInput
from dangjian.core.rules import rule_value
from dangjian.core.scope import scope_of
from dangjian.members import selectors as select
from dangjian.members.models import Employment, LeaveType, Member
from dangjian.members.permissions import MANAGE_MEMBER
from dangjian.members.rules import LOST_CONTACT_SUSPEND_MONTHS
from dangjian.members.services import status as services
from dangjian.orgs.models import Organization

# ---------------------------------------------------------------- forms


class ChangeForm(BootstrapForm):
    """What every change asks: the date it takes effect, the reason, the decision's number."""

    effective_on = forms.DateField(label="生效日期", widget=DateInput())
    reason = forms.CharField(
        label="原因",
        max_length=services.REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写原因。"},
    )
    document_number = forms.CharField(
        label="文件字号", max_length=services.DOCUMENT_MAX, required=False
    )

    def __init__(self, *args, page: Page, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["effective_on"].label = page.date_label
        self.fields["effective_on"].error_messages["required"] = f"请填写{page.date_label}。"
        self.fields["effective_on"].error_messages["invalid"] = "日期格式不正确，请重新选择。"
        self.fields["reason"].widget.attrs["placeholder"] = page.reason_hint
        if "document_number" in self.fields:
            self.fields["document_number"].help_text = page.document_hint


class SuspendForm(ChangeForm):
    ground = forms.ChoiceField(
        label="停止党籍的原因类别",
        choices=services.SuspendGround.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择停止党籍的原因类别。"},
    )
    field_order = ["ground", "effective_on", "reason", "document_number"]


class LeaveForm(ChangeForm):
    leave_type = forms.ChoiceField(
        label="出党方式",
        choices=LeaveType.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择出党方式。"},
    )
    field_order = ["leave_type", "effective_on", "reason", "document_number"]


class RetireForm(ChangeForm):
    move_to_retiree_branch = forms.BooleanField(label="转入离退休党支部", required=False)
    field_order = ["effective_on", "move_to_retiree_branch", "reason", "document_number"]

    def __init__(self, *args, target: Organization | None, **kwargs):
        super().__init__(*args, **kwargs)
        if target is None:
            del self.fields["move_to_retiree_branch"]
        else:
            field = self.fields["move_to_retiree_branch"]
            field.widget.attrs["class"] = "form-check-input"
            field.label = f"转入离退休党支部：{target.name}"
            field.help_text = (
                "勾选后，组织关系转入该支部，原党小组取消，两个支部的党员人数同时更新。"
            )


class FlagForm(ChangeForm):
    """流动党员 or 失联, on or off; `turn` is fixed when the page is shown, so a repeated
    submit asks for the same switch again and is refused by the service."""

    turn = forms.ChoiceField(choices=[("on", "on"), ("off", "off")], widget=forms.HiddenInput)
    floating_destination = forms.CharField(
        label="流动去向", max_length=services.DESTINATION_MAX, required=False
    )

    def __init__(self, *args, turn_on: bool, floating: bool, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["document_number"]
        if floating and turn_on:
            field = self.fields["floating_destination"]
            field.required = True
            field.error_messages["required"] = "请填写流动去向。"
            field.widget.attrs["placeholder"] = "如：广东省深圳市某建筑公司"
        else:
            del self.fields["floating_destination"]


# ---------------------------------------------------------------- what each page says


@dataclass(frozen=True)
class Page:
    kind: str
    title: str
    icon: str
    consequence: str
    date_label: str
    reason_hint: str
    document_hint: str = "党组织决定的文件字号，没有可不填。"
    danger: bool = False
    success: str = "已为{name}{title}。"


PAGES = {
    "suspend": Page(
        "suspend",
        "停止党籍",
        "pause-circle",
        "停止党籍后，该党员不计入党员人数，不参加党的组织生活，不交纳党费，不行使党员权利；"
        "档案仍由本支部保存。恢复联系或回国后，可以办理恢复党籍。",
        "停止党籍日期",
        "写明具体情况，如失联后查找的经过、出国定居的时间和国家，以及支部研究决定的时间。",
        danger=True,
        success="已为{name}办理停止党籍。",
    ),
    "restore": Page(
        "restore",
        "恢复党籍",
        "play-circle",
        "恢复党籍后，该党员重新计入党员人数，恢复参加组织生活、交纳党费；"
        "如登记了“失去联系”，将一并取消。",
        "恢复党籍日期",
        "写明恢复的依据，如已取得联系、已回国并向党组织报告。",
        success="已为{name}办理恢复党籍。",
    ),
    "leave": Page(
        "leave",
        "出党",
        "box-arrow-right",
        "出党后，该人员不再是党员，不计入党员人数，档案作为历史记录保留，"
        "此后不能再办理任何党籍变更。除名、开除党籍须填写党组织决定的文件字号。",
        "出党日期",
        "写明党组织的决定及主要事实。",
        document_hint="除名、开除党籍必填，如“一矿党发〔2025〕12号”。",
        danger=True,
        success="已为{name}办理出党。",
    ),
    "death": Page(
        "death",
        "登记去世",
        "flower1",
        "登记去世后，该党员不再计入党员人数，档案作为历史记录保留，此后不能再办理任何党籍变更。",
        "去世日期",
        "如：因病医治无效去世。",
        danger=True,
        success="已登记{name}去世。",
    ),
    "retire": Page(
        "retire",
        "办理退休",
        "house-heart",
        "办理退休后，在岗状态改为“离退休”，退休日期为所填日期；党籍状态不变，仍计入党员人数。",
        "退休日期",
        "如：到达法定退休年龄，按人事部门通知办理退休。",
        document_hint="人事部门的退休文件字号，没有可不填。",
        success="已为{name}办理退休。",
    ),
    "floating": Page(
        "floating",
        "流动党员",
        "geo-alt",
        "",
        "",
        "写明外出务工、经商或学习的情况，以及与支部保持联系的方式。",
    ),
    "lost_contact": Page(
        "lost_contact",
        "失去联系",
        "question-circle",
        "",
        "",
        "写明失去联系的经过和已采取的查找措施。",
    ),
}
STATUS_KINDS = ("suspend", "restore", "leave", "death", "retire")
FLAG_KINDS = ("floating", "lost_contact")


def _flag_page(member: Member, kind: str) -> tuple[Page, bool]:
    """The flag page for the member's current state, and whether it turns the flag on."""
    base = PAGES[kind]
    if kind == "floating":
        turn_on = not member.is_floating
        title, date_label, consequence = (
            ("登记流动党员", "外出流动日期", "登记后，该党员仍由本支部管理、计入党员人数，"
             "在名册和党内统计中标为流动党员。")
            if turn_on
            else ("取消流动党员", "返回日期", "取消后，该党员不再标为流动党员，"
                  "外出流动日期和去向一并清除（变更记录中保留）。")
        )  # fmt: skip
    else:
        turn_on = not member.is_lost_contact
        months = rule_value(LOST_CONTACT_SUSPEND_MONTHS)
        title, date_label, consequence = (
            ("登记失去联系", "失联日期", "登记后，该党员仍计入党员人数；失去联系满 "
             f"{months} 个月、经查找仍无音讯的，可以停止党籍。")
            if turn_on
            else ("取消失去联系", "恢复联系日期", "取消后，该党员不再标为失去联系。"
                  "已停止党籍的，请另行办理恢复党籍。")
        )  # fmt: skip
    page = Page(kind, title, base.icon, consequence, date_label, base.reason_hint)
    return page, turn_on


# ---------------------------------------------------------------- the change page


@login_required
@require_http_methods(["GET", "POST"])
def status_change(request, pk):
    member = select.member_for_user(request.user, pk, MANAGE_MEMBER)
    kind = request.GET.get("kind", "")
    if kind in FLAG_KINDS:
        return _flag_change(request, member, kind)
    if kind in STATUS_KINDS:
        return _status_change(request, member, PAGES[kind])
    return _chooser(request, member)


def _chooser(request, member: Member):
    refusals = services.allowed_kinds(member)
    held = member.status in services.HELD
    final = "" if held else services.final_message(member)
    choices = [
        {"page": PAGES[kind], "url": f"?kind={kind}", "refusal": refusals[kind]}
        for kind in STATUS_KINDS
    ]
    for kind in FLAG_KINDS:
        page, _ = _flag_page(member, kind)
        choices.append({"page": page, "url": f"?kind={kind}", "refusal": final})
    context = {**_common(request, member), "choices": choices}
    return render(request, "members/status_choose.html", context)


def _status_change(request, member: Member, page: Page):
    refusal = services.allowed_kinds(member)[page.kind]
    target = _retiree_option(request.user, member) if page.kind == "retire" else {}
    if page.kind == "retire":
        movable = target.get("branch") if target.get("allowed") else None
        form = RetireForm(request.POST or None, page=page, target=movable)
    else:
        form_class = {"suspend": SuspendForm, "leave": LeaveForm}.get(page.kind, ChangeForm)
        form = form_class(request.POST or None, page=page)
    if request.method == "POST" and form.is_valid():
        call = _SERVICES[page.kind]
        done = _run(request, form, lambda data: call(request.user, member, data))
        if done is not None:
            return _success(request, member, page, done)
    context = {
        **_common(request, member),
        "page": page,
        "form": form,
        "refusal": refusal,
        "retiree": target,
        "earliest": services.lost_contact_earliest(member) if page.kind == "suspend" else None,
        "months": rule_value(LOST_CONTACT_SUSPEND_MONTHS),
    }
    return render(request, "members/status_form.html", context)


def _flag_change(request, member: Member, kind: str):
    page, turn_on = _flag_page(member, kind)
    floating = kind == "floating"
    initial = {"turn": "on" if turn_on else "off"}
    form = FlagForm(
        request.POST or None, initial=initial, page=page, turn_on=turn_on, floating=floating
    )
    if request.method == "POST" and form.is_valid():
        # The switch the page was shown for, not the one the state now suggests.
        wanted = form.cleaned_data["turn"] == "on"
        flags = {"floating": wanted} if floating else {"lost_contact": wanted}
        done = _run(
            request,
            form,
            lambda data: services.member_set_flags(
                actor=request.user,
                member=member,
                effective_on=data["effective_on"],
                reason=data["reason"],
                floating_destination=data.get("floating_destination", ""),
                **flags,
            ),
        )
        if done is not None:
            return _success(request, member, page, done)
    held = member.status in services.HELD
    context = {
        **_common(request, member),
        "page": page,
        "form": form,
        "refusal": "" if held else services.final_message(member),
    }
    return render(request, "members/status_form.html", context)


_SERVICES = {
    "suspend": lambda actor, member, data: services.member_suspend(
        actor=actor,
        member=member,
        effective_on=data["effective_on"],
        reason=data["reason"],
        ground=data["ground"],
        document_number=data["document_number"],
    ),
    "restore": lambda actor, member, data: services.member_restore(
        actor=actor,
        member=member,
        effective_on=data["effective_on"],
        reason=data["reason"],
        document_number=data["document_number"],
    ),
    "leave": lambda actor, member, data: services.member_leave(
        actor=actor,
        member=member,
        effective_on=data["effective_on"],
        reason=data["reason"],
        leave_type=data["leave_type"],
        document_number=data["document_number"],
    ),
    "death": lambda actor, member, data: services.member_die(
        actor=actor,
        member=member,
        effective_on=data["effective_on"],
        reason=data["reason"],
        document_number=data["document_number"],
    ),
    "retire": lambda actor, member, data: services.member_retire(
        actor=actor,
        member=member,
        effective_on=data["effective_on"],
        reason=data["reason"],
        move_to_retiree_branch=data.get("move_to_retiree_branch", False),
        document_number=data["document_number"],
    ),
}


def _run(request, form, action):
    """The service's result, or None with its refusal attached to the form field it names."""
    try:
        return action(form.cleaned_data)
    except ValidationError as refused:
        field = getattr(refused, "field", None)
        if field not in form.fields:
            field = None
        form.add_error(field, refused.messages[0])
        if field is not None:
            widget = form.fields[field].widget
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
        return None


def _success(request, member: Member, page: Page, result):
    name = member.person.name
    text = page.success.format(name=name, title=page.title)
    moved = getattr(result, "to_organization", None)
    if moved is not None:
        text = f"已为{name}办理退休，组织关系转入“{moved.name}”。"
    messages.success(request, text)
    return redirect(_detail_url(member))


def _retiree_option(user, member: Member) -> dict:
    """The retirees' branch this member could move to, and whether the user may move them."""
    if member.person.employment == Employment.RETIRED:
        return {}
    setting = services.retiree_branch_for(member.organization)
    if setting is None or setting.branch_id == member.organization_id:
        return {}
    branch = setting.branch
    allowed = branch.is_active and scope_of(user).covers(MANAGE_MEMBER, branch.path)
    return {"branch": branch, "owner": setting.organization, "allowed": allowed}


def _common(request, member: Member) -> dict:
    return {
        "member": member,
        "person": member.person,
        "detail_url": _detail_url(member),
        "chooser_url": reverse("members:status_change", args=[member.pk]),
        "settings_url": reverse("members:retiree_settings"),
    }


def _detail_url(member: Member) -> str:
    try:
        return reverse("members:detail", args=[member.pk]) + "?tab=party"
    except NoReverseMatch:  # the detail page is another engineer's; until it exists
        return reverse("members:status_change", args=[member.pk])


urlpatterns = [
    path("<int:pk>/status/", status_change, name="status_change"),
]

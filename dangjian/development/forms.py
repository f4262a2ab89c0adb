"""Forms of the development pages: the list filters, opening a case, one form per step (built
from `STEP_PAGES`), 公示, materials and the 发展计划 quota.

Forms only parse input; every rule is checked by the services (`development.services`), whose
refusals the views attach to these forms.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms
from django.utils import timezone

from dangjian.core.forms import BootstrapForm, DateInput, limit_rendered_choices, parse_id
from dangjian.core.rules import rule_value
from dangjian.core.uploads import DOCUMENTS, check_upload
from dangjian.development.models import (
    MaterialKind,
    PublicityPurpose,
    PublicityResult,
    State,
    StepCode,
    VoteMethod,
)
from dangjian.development.rules import CONTACTS_MAX, INTRODUCERS
from dangjian.development.services.records import MATERIAL_MAX_BYTES
from dangjian.members.models import (
    ETHNICITY_CHOICES,
    IN_GOOD_STANDING,
    Category,
    Education,
    Gender,
    Member,
)
from dangjian.members.models.choices import HAN
from dangjian.orgs.models import Organization, OrgType, Unit

NOTE_MAX = 2000
UNIT_OPTION_LIMIT = 30  # units rendered at once; the search box fetches the others
TITLE_MAX = 100
DATE_ERRORS = {
    "required": "请填写日期。",
    "invalid": "日期格式不正确，请按“2025-03-01”的格式选择。",
}
COUNT_ERRORS = {
    "required": "请填写人数。",
    "invalid": "请填写整数。",
    "min_value": "人数不能小于 0。",
    "max_value": "人数不能超过 %(limit_value)s。",
}
S = StepCode


def date_field(label: str, *, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=DateInput(),
        help_text=help_text,
        error_messages={**DATE_ERRORS, "required": f"请填写{label}。"},
    )


def count_field(label: str, *, required: bool = True, initial=None) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=required,
        min_value=0,
        max_value=100000,
        initial=initial,
        error_messages=COUNT_ERRORS,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


# ---------------------------------------------------------------- the list


class CaseFilterForm(BootstrapForm):
    q = forms.CharField(
        label="搜索",
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": "姓名、拼音或首字母", "type": "search"}),
    )
    state = forms.ChoiceField(label="状态", required=False)
    org = forms.CharField(label="党组织（含下级）", required=False, widget=forms.Select)
    open_only = forms.BooleanField(
        label="仅进行中",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.organizations = organizations
        self.fields["state"].choices = [("", "全部状态"), *State.choices]
        self.fields["org"].widget.choices = [("", "全部（我的范围）")] + [
            (org.pk, org.name) for org in organizations
        ]

    def clean_org(self):
        value = self.cleaned_data.get("org")
        if not value:
            return None
        pk = parse_id(value)
        found = next((org for org in self.organizations if org.pk == pk), None)
        if found is None:
            raise forms.ValidationError("所选党组织不在您的权限范围内，请重新选择。")
        return found


# ---------------------------------------------------------------- opening a case


class CaseOpenForm(BootstrapForm):
    person = forms.IntegerField(
        label="申请人",
        widget=forms.HiddenInput,
        error_messages={
            "required": "请先搜索并选择申请人。",
            "invalid": "请从搜索结果中选择申请人。",
        },
    )
    organization = forms.ModelChoiceField(
        label="所在党支部",
        queryset=Organization.objects.none(),
        error_messages={
            "required": "请选择培养申请人的党支部。",
            "invalid_choice": "所选党支部不在您的权限范围内，请重新选择。",
        },
    )
    applied_on = date_field("入党申请书落款日期")
    received_on = date_field(
        "党组织收到申请书日期", help_text="党组织须在收到申请书后1个月内派人谈话。"
    )
    planned_leave_on = date_field(
        "预计离开本单位日期",
        required=False,
        help_text="如已知3个月内将调离本单位，请填写（3个月内离开的不办理接收手续）。",
    )
    application_file = forms.FileField(
        label="入党申请书（扫描件）",
        required=False,
        help_text="PDF、图片或 Word 文件，不超过 20 MB。",
    )
    note = forms.CharField(
        label="备注", required=False, max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, branches, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = people
        self.fields["organization"].queryset = branches
        self.fields["organization"].label_from_instance = lambda org: org.name

    def clean_person(self):
        pk = self.cleaned_data.get("person")
        person = self.people.filter(pk=pk).first() if pk else None
        if person is None:
            raise forms.ValidationError(
                "请从搜索结果中选择申请人（须是您权限范围内、尚不是党员且没有进行中发展档案的人员）。"
            )
        return person

    def clean(self):
        data = super().clean()
        applied, received = data.get("applied_on"), data.get("received_on")
        today = timezone.localdate()
        if applied and applied > today:
            self.add_error("applied_on", "申请书落款日期不能晚于今天。")
        if applied and received and received < applied:
            self.add_error("received_on", "收到申请书的日期不能早于申请书落款日期。")
        return data


class ApplicantNewForm(CaseOpenForm):
    """新建人员档案并登记申请: the person fields an application needs, then the case fields.
    The person is checked by `members.validation.check_record` in the service (all problems at
    once, per field), so these fields stay optional here except where a browser can help."""

    PERSON_FIELDS = (
        "name", "id_number", "gender", "birth_date", "ethnicity", "native_place", "work_number",
        "education", "unit", "post", "mobile",
    )  # fmt: skip
    MARKED_REQUIRED = frozenset({"name", "id_number"})

    name = forms.CharField(label="姓名", max_length=50, required=False)
    id_number = forms.CharField(
        label="公民身份号码",
        max_length=20,
        required=False,
        help_text="18 位，最后一位可为 X；出生日期和性别按身份证号自动识别。",
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    gender = forms.ChoiceField(
        label="性别",
        required=False,
        choices=[("", "按身份证号自动识别"), *Gender.choices],
        help_text="可不填；填写时须与身份证号一致。",
    )
    birth_date = forms.DateField(
        label="出生日期",
        required=False,
        widget=DateInput(),
        help_text="可不填：按身份证号自动填写。",
        error_messages=DATE_ERRORS,
    )
    ethnicity = forms.ChoiceField(label="民族", choices=ETHNICITY_CHOICES, initial=HAN)
    native_place = forms.CharField(
        label="籍贯", max_length=50, required=False, help_text="如“河南平顶山”。"
    )
    work_number = forms.CharField(label="工号", max_length=30, required=False)
    education = forms.ChoiceField(
        label="学历", required=False, choices=[("", "请选择"), *Education.choices]
    )
    unit = forms.ModelChoiceField(
        label="行政单位",
        queryset=Unit.objects.none(),
        required=False,
        empty_label="请选择所在区队或科室",
        error_messages={"invalid_choice": "所选单位不在您的权限范围内，请重新选择。"},
    )
    post = forms.CharField(
        label="岗位", max_length=50, required=False, help_text="如“采煤机司机”“技术员”。"
    )
    mobile = forms.CharField(
        label="手机号",
        max_length=20,
        required=False,
        help_text="加密保存，页面上只显示脱敏后的号码。",
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )

    def __init__(self, *args, branches, units, **kwargs):
        super().__init__(*args, branches=branches, people=None, **kwargs)
        del self.fields["person"]
        self.fields["unit"].queryset = units
        limit_rendered_choices(self, "unit", UNIT_OPTION_LIMIT)

    def clean_application_file(self):
        upload = self.cleaned_data.get("application_file")
        if upload:
            check_upload(upload, kinds=DOCUMENTS, max_bytes=MATERIAL_MAX_BYTES, what="入党申请书")
        return upload

    def person_fields(self) -> list[dict]:
        return [
            {"field": self[name], "required": name in self.MARKED_REQUIRED}
            for name in self.PERSON_FIELDS
        ]

    def person_values(self) -> dict:
        data = self.cleaned_data
        values = {name: data.get(name) for name in self.PERSON_FIELDS}
        for name in ("name", "native_place", "work_number", "post", "id_number", "mobile"):
            values[name] = (values[name] or "").strip()
        return values


# ---------------------------------------------------------------- the step forms


@dataclass(frozen=True)
class StepPage:
    """What one step's form asks for, beyond the date: its parts and the words it uses."""

    date_label: str = "办理日期"
    parts: frozenset = field(default_factory=frozenset)
    material: str = ""  # a MaterialKind offered as the step's attachment
    note_label: str = "情况说明"
    note_required: bool = False
    help: str = ""
    danger: bool = False


def _page(date_label="办理日期", *parts, **kwargs) -> StepPage:
    return StepPage(date_label=date_label, parts=frozenset(parts), **kwargs)


STEP_PAGES: dict[str, StepPage] = {
    S.TALK: _page("谈话日期", help="党组织应在收到入党申请书后1个月内派人谈话。"),
    S.ACTIVIST: _page(
        "支部委员会确定日期",
        "recommendation",
        help="采取党员推荐、群团组织推优等方式产生人选，由支部委员会研究确定。",
    ),
    S.ACTIVIST_FILING: _page("备案日期", "document"),
    S.CONTACTS: _page("指定日期", "contacts", help="培养联系人须是本支部的正式党员。"),
    S.ACTIVIST_REVIEW: _page(
        "考察日期", material=MaterialKind.THOUGHT_REPORT, note_label="考察意见", note_required=True
    ),
    S.CANDIDATE: _page(
        "支部委员会确定日期",
        help="须听取党小组、培养联系人、党员和群众意见，支部委员会讨论同意，并经公示。",
    ),
    S.CANDIDATE_FILING: _page("备案日期", "document"),
    S.INTRODUCERS: _page("确定日期", "introducers", help="入党介绍人一般由培养联系人担任。"),
    S.POLITICAL_REVIEW: _page("政审结论日期", "political", material=MaterialKind.POLITICAL_REVIEW),
    S.TRAINING: _page("结业日期", "training", material=MaterialKind.TRAINING),
    S.BRANCH_REVIEW: _page("支部委员会审查日期", note_label="审查意见"),
    S.PRE_REVIEW: _page("预审日期", "document", note_label="预审意见"),
    S.VOLUNTEER_FORM: _page("填写日期", material=MaterialKind.VOLUNTEER_FORM),
    S.ACCEPTANCE_MEETING: _page("支部大会日期", "vote", help="支部大会日期即预备期的起算日期。"),
    S.COMMITTEE_TALK: _page("谈话日期", note_label="谈话情况"),
    S.APPROVAL: _page("党委审批日期", "document", note_label="审批意见"),
    S.APPROVAL_FILING: _page("备案日期", "document"),
    S.ASSIGNMENT: _page("编入日期", "party_group"),
    S.OATH: _page("宣誓日期"),
    S.PROBATION_REVIEW: _page(
        "考察日期", material=MaterialKind.THOUGHT_REPORT, note_label="考察意见", note_required=True
    ),
    S.CONVERSION_APPLICATION: _page("转正申请书日期", material=MaterialKind.CONVERSION_APPLICATION),
    S.CONVERSION_MEETING: _page("支部大会日期", "vote"),
    S.CONVERSION_APPROVAL: _page("党委审批日期", "document", note_label="审批意见"),
    S.ARCHIVE: _page("归档日期", note_label="归档材料清单"),
    S.EXTENSION: _page(
        "支部大会日期", "vote", "months", "document", note_label="延长原因", note_required=True
    ),
    S.CANCELLATION: _page(
        "决定日期", "vote", "document", note_label="取消原因", note_required=True, danger=True
    ),
    S.REJECTION: _page(
        "党委决定日期", "document", note_label="不批准的理由", note_required=True, danger=True
    ),
    S.TRANSFER_OUT: _page(
        "转出日期", note_label="转往的党组织及原因", note_required=True, danger=True
    ),
    S.CLOSE: _page(
        "终止日期", note_label="终止原因（撤回申请或不合格）", note_required=True, danger=True
    ),
}
VOTE_PURPOSES = {
    S.ACCEPTANCE_MEETING: "acceptance",
    S.CONVERSION_MEETING: "conversion",
    S.EXTENSION: "extension",
    S.CANCELLATION: "cancellation",
}
RECOMMENDATIONS = [("党员推荐", "党员推荐"), ("群团组织推优", "群团组织推优"), ("其他", "其他")]


def step_page(code: str) -> StepPage:
    return STEP_PAGES.get(code, StepPage())


class SponsorChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, member: Member) -> str:
        group = f" · {member.party_group.name}" if member.party_group_id else ""
        return f"{member.person.name}{group}"


def sponsor_candidates(case):
    """The branch's full members in good standing (培养联系人 and 入党介绍人 come from them)."""
    return (
        Member.objects.filter(
            organization_id=case.organization_id,
            category=Category.FULL,
            status__in=IN_GOOD_STANDING,
        )
        .exclude(person_id=case.person_id)
        .select_related("person", "party_group")
        .order_by("person__name", "pk")
    )


class StepForm(BootstrapForm):
    """One step of a case. Parts are added by `StepPage.parts`; `override_*` fields appear
    only for holders of `development.override_rule` after a refusal that may be overridden."""

    done_on = date_field("办理日期")
    note = forms.CharField(
        label="情况说明",
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, case, code: str, entitled: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.case, self.code, self.page = case, code, step_page(code)
        page = self.page
        self.fields["done_on"].label = page.date_label
        self.fields["done_on"].error_messages["required"] = f"请填写{page.date_label}。"
        note = self.fields["note"]
        note.label = page.note_label
        note.required = page.note_required
        note.error_messages["required"] = f"请填写{page.note_label}。"
        note.error_messages["max_length"] = f"{page.note_label}不能超过 {NOTE_MAX} 个字。"
        for part in sorted(page.parts):
            getattr(self, f"_add_{part}")(entitled=entitled)
        if page.material:
            self.fields["material_file"] = forms.FileField(
                label=f"{MaterialKind(page.material).label}（附件）",
                required=False,
                help_text="可选：PDF、图片或 Word 文件，不超过 20 MB。",
            )
        self.fields["override_reason"] = forms.CharField(
            label="例外放行理由",
            required=False,
            max_length=NOTE_MAX,
            widget=forms.Textarea(attrs={"rows": 3}),
        )
        self.fields["override_rules"] = forms.MultipleChoiceField(
            required=False, widget=forms.MultipleHiddenInput
        )
        self.fields["override"] = forms.BooleanField(required=False, widget=forms.HiddenInput)
        self._style_new_fields()  # BootstrapForm styled only the declared fields

    def _style_new_fields(self):
        for field_ in self.fields.values():
            widget = field_.widget
            if isinstance(
                widget,
                forms.CheckboxSelectMultiple
                | forms.CheckboxInput
                | forms.RadioSelect
                | forms.HiddenInput
                | forms.MultipleHiddenInput,
            ):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            if css not in widget.attrs.get("class", ""):
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    # -- parts

    def _add_document(self, **_):
        self.fields["document_number"] = forms.CharField(
            label="文件字号",
            required=False,
            max_length=100,
            help_text="党委文件或备案回执的字号，没有可不填。",
        )

    def _add_recommendation(self, **_):
        self.fields["recommendation"] = forms.ChoiceField(
            label="推荐方式",
            choices=RECOMMENDATIONS,
            initial="党员推荐",
            widget=forms.RadioSelect,
        )

    def _sponsor_field(self, label: str, kind_help: str):
        return SponsorChoiceField(
            label=label,
            queryset=sponsor_candidates(self.case),
            widget=forms.CheckboxSelectMultiple,
            help_text=kind_help,
            error_messages={
                "required": f"请选择{label}。",
                "invalid_choice": f"所选{label}不是本支部的正式党员，请重新选择。",
                "invalid_pk_value": f"所选{label}无效，请重新选择。",
            },
        )

    def _add_contacts(self, **_):
        most = rule_value(CONTACTS_MAX)
        self.fields["sponsors"] = self._sponsor_field(
            "培养联系人", f"选择 1～{most} 名本支部正式党员。"
        )

    def _add_introducers(self, **_):
        needed = rule_value(INTRODUCERS)
        self.fields["sponsors"] = self._sponsor_field(
            "入党介绍人",
            f"选择 {needed} 名本支部正式党员；受留党察看处分尚未恢复党员权利的不能担任。",
        )

    def _add_political(self, **_):
        self.fields["passed"] = forms.TypedChoiceField(
            label="政审结论",
            choices=[("1", "合格"), ("0", "不合格")],
            coerce=lambda value: value == "1",
            widget=forms.RadioSelect,
            error_messages={"required": "请选择政审结论。"},
        )
        self.fields["conclusion"] = forms.CharField(
            label="结论性材料摘要",
            required=False,
            max_length=NOTE_MAX,
            widget=forms.Textarea(attrs={"rows": 2}),
        )

    def _add_training(self, **_):
        self.fields["training_title"] = forms.CharField(
            label="培训班名称",
            max_length=TITLE_MAX,
            error_messages={"required": "请填写培训班名称。"},
            widget=forms.TextInput(attrs={"placeholder": "如：2025年第一期发展对象培训班"}),
        )
        self.fields["organizer"] = forms.CharField(label="举办单位", required=False, max_length=100)
        self.fields["starts_on"] = date_field("培训开始日期")
        self.fields["days"] = count_field("培训天数", required=False, initial=0)
        self.fields["hours"] = forms.DecimalField(
            label="培训学时",
            required=False,
            min_value=0,
            max_value=999,
            decimal_places=1,
            initial=0,
            error_messages={
                "invalid": "学时请填写数字，如 24 或 24.5。",
                "min_value": "学时不能小于 0。",
                "max_value": "学时不能超过 999。",
                "max_decimal_places": "学时最多保留 1 位小数。",
            },
        )
        self.fields["certificate_number"] = forms.CharField(
            label="结业证书编号", required=False, max_length=50
        )

    def _add_vote(self, *, entitled=None, **_):
        self.fields["entitled"] = count_field("应到会有表决权的正式党员", initial=entitled)
        self.fields[
            "entitled"
        ].help_text = "按会议当天本支部党籍正常的正式党员人数预填；预备党员没有表决权，不计入。"
        self.fields["present"] = count_field("实到会有表决权的正式党员")
        self.fields["yes"] = count_field("赞成")
        self.fields["no"] = count_field("反对", required=False, initial=0)
        self.fields["abstain"] = count_field("弃权", required=False, initial=0)
        self.fields["written_yes"] = count_field(
            "书面赞成意见（因故缺席）", required=False, initial=0
        )
        self.fields["method"] = forms.ChoiceField(
            label="表决方式", choices=VoteMethod.choices, initial=VoteMethod.SHOW_OF_HANDS
        )
        self.fields["record_vote_only"] = forms.BooleanField(
            label="表决未通过或暂不办理：只登记表决结果，不办理本步骤",
            required=False,
            widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
        )

    def _add_months(self, **_):
        self.fields["months"] = forms.IntegerField(
            label="延长期限（月）",
            min_value=1,
            max_value=24,
            help_text="延长预备期最短6个月、最长1年，只能延长一次。",
            error_messages={
                "required": "请填写延长的月数。",
                "invalid": "请填写整数月数。",
                "min_value": "延长的月数至少为 1。",
                "max_value": "延长的月数不能超过 24。",
            },
        )

    def _add_party_group(self, **_):
        branch = self.case.organization
        self.fields["party_group"] = forms.ModelChoiceField(
            label="编入党小组",
            required=False,
            queryset=Organization.objects.filter(
                org_type=OrgType.GROUP,
                is_active=True,
                path__startswith=branch.path,
                depth=branch.depth + 1,
            ).order_by("path"),
            empty_label="不分党小组（直接编入支部）",
            error_messages={"invalid_choice": "所选党小组不在本支部，请重新选择。"},
        )
        self.fields["party_group"].label_from_instance = lambda org: org.name

    # -- cleaning

    def clean(self):
        data = super().clean()
        done_on = data.get("done_on")
        if done_on and done_on > timezone.localdate():
            self.add_error("done_on", f"{self.page.date_label}不能晚于今天，请在办理后再登记。")
        if (
            "starts_on" in data
            and done_on
            and data.get("starts_on")
            and data["starts_on"] > done_on
        ):
            self.add_error("starts_on", "培训开始日期不能晚于结业日期。")
        if "present" in self.fields:
            self._clean_vote(data)
        if data.get("override") and not (data.get("override_reason") or "").strip():
            self.add_error(
                "override_reason", "例外放行须写明理由（说明为什么可以不按这条规定办理）。"
            )
        return data

    def _clean_vote(self, data):
        entitled, present, yes = data.get("entitled"), data.get("present"), data.get("yes")
        no, abstain = data.get("no") or 0, data.get("abstain") or 0
        written = data.get("written_yes") or 0
        data["no"], data["abstain"], data["written_yes"] = no, abstain, written
        if None in (entitled, present, yes):
            return
        if present > entitled:
            self.add_error("present", f"实到人数（{present}）不能多于应到人数（{entitled}）。")
        elif yes + no + abstain > present:
            self.add_error(
                "yes", f"赞成、反对、弃权合计 {yes + no + abstain} 票，多于实到人数 {present}。"
            )
        elif written > entitled - present:
            self.add_error(
                "written_yes",
                f"书面意见只能来自缺席的有表决权党员（最多 {entitled - present} 份）。",
            )

    def allow_override(self, keys) -> None:
        self.fields["override_rules"].choices = [(key, key) for key in keys]
        self.override_keys = list(keys)

    override_keys: list = []

    def main_fields(self):
        return [bound for bound in self if not bound.name.startswith("override")]

    def overriding(self) -> list[str]:
        """The rule keys the user chose to override with a reason (else none)."""
        data = getattr(self, "cleaned_data", {})
        if not data.get("override") or not (data.get("override_reason") or "").strip():
            return []
        return list(data.get("override_rules") or [])


# ---------------------------------------------------------------- 公示, materials, quota


class PublicityForm(BootstrapForm):
    purpose = forms.ChoiceField(label="公示事项", choices=PublicityPurpose.choices)
    starts_on = date_field("公示开始日期")
    ends_on = date_field(
        "公示结束日期", help_text="公示不少于5个工作日（按节假日与调休日历计算）。"
    )

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", "公示结束日期不能早于开始日期。")
        return data


class PublicityConcludeForm(BootstrapForm):
    result = forms.ChoiceField(
        label="公示结果",
        choices=[c for c in PublicityResult.choices if c[0] != PublicityResult.PENDING],
        widget=forms.RadioSelect,
        error_messages={"required": "请选择公示结果。"},
    )
    objections = forms.CharField(
        label="反映的问题及核实情况",
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        data = super().clean()
        if data.get("result") in ("resolved", "upheld") and not data.get("objections", "").strip():
            self.add_error("objections", "有异议的，请写明反映的问题及核实情况。")
        return data


class MaterialForm(BootstrapForm):
    kind = forms.ChoiceField(label="材料类型", choices=MaterialKind.choices)
    title = forms.CharField(
        label="名称", max_length=TITLE_MAX, error_messages={"required": "请填写材料名称。"}
    )
    dated_on = date_field("材料日期", required=False)
    file = forms.FileField(
        label="文件",
        help_text="PDF、图片或 Word 文件，不超过 20 MB。",
        error_messages={"required": "请选择要上传的文件。"},
    )


class QuotaForm(BootstrapForm):
    planned = forms.IntegerField(
        label="计划名额",
        min_value=0,
        max_value=1000,
        error_messages={
            "required": "请填写计划名额。",
            "invalid": "计划名额请填写整数。",
            "min_value": "计划名额不能小于 0。",
            "max_value": "计划名额不能超过 1000。",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


def year_from(value, default: int) -> int:
    year = parse_id(value)
    return year if year and 1990 <= year <= 2100 else default

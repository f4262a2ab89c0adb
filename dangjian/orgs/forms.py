"""Forms of the organisation pages. They only parse input; the services validate and decide.

Every choice of an organisation, a unit or a person comes from the user's scope (selectors), so
nothing outside it can be offered or accepted. Long choice lists render a short head and a search
box that fetches more (HTMX), so a form stays small with 10 000 organisations.
"""

from django import forms
from django.utils import timezone

from dangjian.core.forms import BootstrapForm, DateInput
from dangjian.core.forms import limit_rendered_choices as core_limit_rendered_choices
from dangjian.orgs import rules
from dangjian.orgs import selectors as select
from dangjian.orgs.models import CommitteePost, Organization, OrgType, Unit

OPTION_LIMIT = 30  # choices rendered at once in a search-backed select


class OrganizationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organization) -> str:
        return f"{obj.name}（{obj.code}）"


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name}（工号 {obj.work_number}）" if obj.work_number else obj.name


def limit_rendered_choices(form: forms.Form, name: str) -> None:
    core_limit_rendered_choices(form, name, OPTION_LIMIT)


def type_choices(types) -> list[tuple[str, str]]:
    return [(value, label) for value, label in OrgType.choices if value in types]


# ---------------------------------------------------------------- organisations


class OrganizationForm(BootstrapForm):
    org_type = forms.ChoiceField(label="组织类型")
    name = forms.CharField(
        label="全称", max_length=100, help_text="如“中共一矿综采一队支部委员会”或“综采一队党支部”。"
    )
    short_name = forms.CharField(label="简称", max_length=50, required=False)
    code = forms.CharField(
        label="组织代码", max_length=30, help_text="全系统唯一：字母、数字、- 或 _。"
    )
    founded_on = forms.DateField(label="成立日期", required=False, widget=DateInput())
    sort_order = forms.IntegerField(
        label="排序", min_value=0, initial=0, help_text="数字小的排在前面。"
    )

    def __init__(self, *args, parent: Organization | None, organization=None, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = rules.ALLOWED_CHILD_TYPES[parent.org_type] if parent else rules.ROOT_TYPES
        if organization is not None:
            allowed = allowed | {organization.org_type}
        self.fields["org_type"].choices = type_choices(allowed)


class MoveForm(BootstrapForm):
    new_parent = OrganizationChoiceField(
        label="新的上级党组织",
        queryset=Organization.objects.none(),
        empty_label="请选择新的上级党组织",
        help_text="连同全部下级组织一起调整；只列出您有权管理、层级和类型合适的党组织。",
    )

    def __init__(self, *args, actor, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_parent"].queryset = select.move_targets(actor, organization)
        limit_rendered_choices(self, "new_parent")


class MergeForm(BootstrapForm):
    target = OrganizationChoiceField(
        label="并入的党支部",
        queryset=Organization.objects.none(),
        empty_label="请选择要并入的党支部",
        help_text="本支部的党员、党小组和覆盖的行政单位都将转入该支部，本支部随之撤销。",
    )
    confirm = forms.BooleanField(label="我已核对，确认合并（不可撤回）")

    def __init__(self, *args, actor, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = select.merge_targets(actor, organization)
        limit_rendered_choices(self, "target")


class DissolveForm(BootstrapForm):
    dissolved_on = forms.DateField(
        label="撤销日期", required=False, widget=DateInput(), initial=timezone.localdate
    )
    reason = forms.CharField(
        label="撤销原因", max_length=200, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class UnitsForm(BootstrapForm):
    units = forms.ModelMultipleChoiceField(
        label="覆盖的行政单位",
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="可选择本单位（上级党委）登记的有效行政单位。",
    )

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = select.eligible_units(organization)


# ---------------------------------------------------------------- committees


class CommitteeForm(BootstrapForm):
    term_start = forms.DateField(label="任期开始日期", widget=DateInput())
    term_end = forms.DateField(label="任期届满日期", required=False, widget=DateInput())
    elected_on = forms.DateField(label="选举日期", required=False, widget=DateInput())
    note = forms.CharField(label="备注", max_length=300, required=False)

    def __init__(self, *args, term_years: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["term_end"].help_text = f"不填则按每届 {term_years} 年计算。"


class PostForm(BootstrapForm):
    post = forms.ChoiceField(label="职务")
    person = PersonChoiceField(
        label="人员",
        queryset=None,
        empty_label="请选择党员",
        help_text="只列出本组织及下级组织中党籍正常的党员；可输入姓名或工号搜索。",
    )
    started_on = forms.DateField(
        label="任职日期", required=False, widget=DateInput(), initial=timezone.localdate
    )

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        group = CommitteePost.Post.GROUP_LEADER
        is_group = organization.org_type == OrgType.GROUP
        self.fields["post"].choices = [
            (value, label)
            for value, label in CommitteePost.Post.choices
            if (value == group) == is_group
        ]
        self.fields["person"].queryset = select.eligible_people(organization)
        if is_group:
            self.fields["person"].help_text = "只列出编入本党小组的党员；可输入姓名或工号搜索。"
        limit_rendered_choices(self, "person")


class PostEndForm(BootstrapForm):
    ended_on = forms.DateField(
        label="离任日期", required=False, widget=DateInput(), initial=timezone.localdate
    )


# ---------------------------------------------------------------- units


class UnitForm(BootstrapForm):
    name = forms.CharField(label="单位名称", max_length=100, help_text="如“综采一队”“机电科”。")
    code = forms.CharField(
        label="单位代码", max_length=30, help_text="全系统唯一：字母、数字、- 或 _。"
    )
    kind = forms.ChoiceField(label="类别", choices=Unit.Kind.choices)
    sort_order = forms.IntegerField(label="排序", min_value=0, initial=0)


class UnitCreateForm(UnitForm):
    owner = OrganizationChoiceField(
        label="所属党组织",
        queryset=Organization.objects.none(),
        empty_label="请选择所属党组织",
        help_text="管理该单位的党委、党总支或党支部；只列出您有权管理行政单位的组织。",
    )
    field_order = ["owner", "name", "code", "kind", "sort_order"]

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = select.unit_owner_choices(actor)
        limit_rendered_choices(self, "owner")


class UnitUpdateForm(UnitForm):
    is_active = forms.BooleanField(label="有效", required=False)

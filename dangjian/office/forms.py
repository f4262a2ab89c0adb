"""Forms of 工作任务: the task (draft), its assignees (下达范围), the report (报送), the review."""

from __future__ import annotations

from django import forms

from dangjian.core.forms import BootstrapForm
from dangjian.core.scope import scope_of
from dangjian.documents.services.dispatch import ORG_TYPE_LABELS
from dangjian.office.permissions import ASSIGN_TASK
from dangjian.office.services import TargetSpec
from dangjian.orgs.models import Organization

PICK_LIMIT = 500  # organisations offered one by one; beyond that, choose a whole subtree


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def assigning_organizations(user):
    """The organisations in whose name the user may assign tasks: where the grant is held."""
    ids = [g.organization_id for g in scope_of(user).grants if ASSIGN_TASK in g.permissions]
    return Organization.objects.filter(pk__in=ids, is_active=True).order_by("path")


class TaskForm(BootstrapForm):
    organization = forms.ModelChoiceField(
        label="下达单位", queryset=Organization.objects.none(), empty_label=None
    )
    title = forms.CharField(label="任务名称", max_length=200)
    description = forms.CharField(
        label="任务要求", required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    deadline = forms.DateTimeField(label="报送截止时间", widget=DateTimeInput())
    requires_files = forms.BooleanField(label="须上传材料", required=False)
    requires_form = forms.BooleanField(label="须填报表格（上传 .xlsx 模板）", required=False)

    def __init__(self, *args, user, task=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = assigning_organizations(user)
        if task is not None:
            del self.fields["organization"]
        for name in ("requires_files", "requires_form"):
            self.fields[name].widget.attrs["class"] = "form-check-input"

    def data_dict(self) -> dict:
        data = self.cleaned_data
        return {
            key: data.get(key)
            for key in ("title", "description", "deadline", "requires_files", "requires_form")
        }


class OrganizationChoices(forms.ModelMultipleChoiceField):
    """Organisations indented by their depth under the task's organisation, with their type."""

    root_depth = 0

    def label_from_instance(self, obj) -> str:
        indent = "\u3000" * max(obj.depth - self.root_depth - 1, 0)
        return f"{indent}{obj.display_name}（{obj.get_org_type_display()}）"


class TargetForm(BootstrapForm):
    MODES = (("all", "本单位全部下属组织"), ("pick", "指定党组织"))
    mode = forms.ChoiceField(
        label="下达范围", choices=MODES, widget=forms.RadioSelect, initial="all"
    )
    org_type = forms.ChoiceField(
        label="组织类型", choices=list(ORG_TYPE_LABELS.items()), required=False, initial="branch"
    )
    organizations = OrganizationChoices(
        label="党组织",
        queryset=Organization.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    include_subtree = forms.BooleanField(
        label="同时下达给所选组织的下属组织（按上面的组织类型）", required=False
    )

    def __init__(self, *args, task, **kwargs):
        super().__init__(*args, **kwargs)
        self.task = task
        root = task.organization
        field = self.fields["organizations"]
        field.queryset = (
            Organization.objects.filter(path__startswith=root.path, is_active=True)
            .exclude(pk=root.pk)
            .order_by("path")
        )
        field.root_depth = root.depth
        # At most PICK_LIMIT boxes are drawn; the field still accepts any organisation of the
        # subtree (a bigger choice is a whole subtree by type).
        field.widget.choices = [
            (org.pk, field.label_from_instance(org)) for org in field.queryset[:PICK_LIMIT]
        ]
        self.fields["mode"].widget.attrs["class"] = "form-check-input"
        self.fields["include_subtree"].widget.attrs["class"] = "form-check-input"
        self.fields["org_type"].widget.attrs["class"] = "form-select form-select-sm"

    def clean(self):
        data = super().clean()
        if data.get("mode") == "pick" and not data.get("organizations"):
            self.add_error("organizations", "请至少勾选一个党组织。")
        return data

    def targets(self) -> list[TargetSpec]:
        data = self.cleaned_data
        org_type = data.get("org_type") or ""
        if data["mode"] == "all":
            return [TargetSpec(self.task.organization, include_subtree=True, org_type=org_type)]
        return [
            TargetSpec(org, include_subtree=bool(data.get("include_subtree")), org_type=org_type)
            for org in data["organizations"]
        ]


class TaskFileForm(BootstrapForm):
    file = forms.FileField(label="文件")


class SubmitForm(BootstrapForm):
    report = forms.CharField(
        label="报送说明", widget=forms.Textarea(attrs={"rows": 5}), max_length=5000
    )
    files = MultipleFileField(label="报送材料", required=False)
    form = forms.FileField(label="填报表格（.xlsx）", required=False)


class ReviewForm(BootstrapForm):
    note = forms.CharField(
        label="审核意见", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class CancelForm(BootstrapForm):
    reason = forms.CharField(label="撤销原因", max_length=500)

"""Forms of the administration pages. They only parse input; the services validate and decide."""

from django import forms
from django.apps import apps
from django.utils import timezone

from dangjian.accounts import manage_selectors as selectors
from dangjian.accounts.models import Role
from dangjian.core import permissions as registry
from dangjian.core.forms import BootstrapForm, DateInput, limit_rendered_choices

# How many choices a search-backed select renders at once (the field still accepts any in scope).
OPTION_LIMIT = 50


class UserCreateForm(BootstrapForm):
    username = forms.CharField(
        label="登录名", max_length=32, help_text="工号，或 11 位手机号。创建后不能修改。"
    )
    display_name = forms.CharField(label="姓名", max_length=50)
    mobile = forms.CharField(label="手机号", max_length=11, required=False)
    email = forms.EmailField(label="电子邮箱", required=False)
    password = forms.CharField(
        label="初始密码",
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="留空则自动生成强密码。无论哪种方式，用户首次登录都须修改密码。",
    )


class UserUpdateForm(BootstrapForm):
    display_name = forms.CharField(label="姓名", max_length=50)
    mobile = forms.CharField(label="手机号", max_length=11, required=False)
    email = forms.EmailField(label="电子邮箱", required=False)
    person_lookup = forms.CharField(
        label="工号或身份证号",
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text="输入该用户的工号或完整的身份证号，关联其人员档案；一个人员档案只能关联一个账号。",
    )
    unlink_person = forms.BooleanField(label="解除与人员档案的关联", required=False)

    def __init__(self, *args, linked=None, may_link: bool = False, **kwargs):
        """`linked`: the person the account is linked to now; `may_link`: whether the actor
        may change the link (the system administrator)."""
        super().__init__(*args, **kwargs)
        self.linked = linked
        if not may_link:
            del self.fields["person_lookup"], self.fields["unlink_person"]
            return
        self.fields["unlink_person"].widget.attrs["class"] = "form-check-input"
        if linked is None:
            del self.fields["unlink_person"]
        else:
            self.fields[
                "person_lookup"
            ].help_text = (
                "已关联（见上方）。要改为其他人员档案，输入其工号或完整的身份证号；留空则保持不变。"
            )

    def clean_person_lookup(self):
        """The matched person, or None when the field was left blank (keep the link)."""
        text = self.cleaned_data.get("person_lookup", "").strip()
        if not text:
            return None
        person = selectors.person_for_account(text)
        if person is None:
            raise forms.ValidationError(
                "没有找到工号或身份证号与输入完全一致的人员档案，请核对后重新输入。"
            )
        return person

    def link_change(self):
        """What to do with the link: a Person to link, None to unlink, or KEEP."""
        if "person_lookup" not in self.fields:
            return KEEP
        if self.cleaned_data.get("unlink_person"):
            return None
        return self.cleaned_data.get("person_lookup") or KEEP

    def account_data(self) -> dict:
        """The fields `user_update` takes."""
        return {name: self.cleaned_data[name] for name in ("display_name", "mobile", "email")}


KEEP = object()  # UserUpdateForm.link_change(): leave the account's person as it is


class RoleForm(BootstrapForm):
    name = forms.CharField(label="角色名称", max_length=50)
    code = forms.CharField(
        label="角色代码",
        max_length=50,
        required=False,
        help_text="英文小写字母、数字和下划线；留空则自动生成。创建后不能修改。",
    )
    description = forms.CharField(
        label="说明", max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    permissions = forms.MultipleChoiceField(label="权限", required=False)

    def __init__(self, *args, reserved=frozenset(), editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.reserved = reserved
        self.fields["permissions"].choices = [(p.code, p.label) for p in registry.all_permissions()]
        if editing:
            del self.fields["code"]

    def permission_groups(self) -> list[dict]:
        """Checkboxes grouped by app, with the reserved (三员-only) codes shown disabled."""
        chosen = set(self["permissions"].value() or ())
        groups: dict[str, list] = {}
        for permission in registry.all_permissions():
            groups.setdefault(permission.group, []).append(
                {
                    "code": permission.code,
                    "label": permission.label,
                    "checked": permission.code in chosen,
                    "reserved": permission.code in self.reserved,
                }
            )
        # Choosable codes first; the reserved ones follow, greyed out.
        return [
            {"label": _app_label(group), "items": sorted(items, key=lambda i: i["reserved"])}
            for group, items in groups.items()
        ]


def _app_label(label: str) -> str:
    try:
        return str(apps.get_app_config(label).verbose_name)
    except LookupError:
        return label


class OrganizationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        indent = "　" * max(obj.depth - 1, 0)
        return f"{indent}{obj.name}"


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.display_name}（{obj.username}）"


class GrantForm(BootstrapForm):
    user = UserChoiceField(label="用户", queryset=None, empty_label="请选择用户")
    role = forms.ModelChoiceField(
        label="角色", queryset=Role.objects.all(), empty_label="请选择角色"
    )
    organization = OrganizationChoiceField(
        label="组织",
        queryset=None,
        empty_label="请选择组织",
        help_text="角色在该组织及其全部下级生效。",
    )
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        # Choices come from the actor's scope; the selects render a short list and a search box
        # fetches more, so a root administrator's form stays small with 10 000 organisations.
        self.fields["user"].queryset = selectors.grantable_users(actor)
        self.fields["organization"].queryset = selectors.grantable_organizations(actor)
        self._limit_rendered_choices("user")
        self._limit_rendered_choices("organization")

    def _limit_rendered_choices(self, name: str) -> None:
        limit_rendered_choices(self, name, OPTION_LIMIT)


class RevokeForm(BootstrapForm):
    reason = forms.CharField(label="收回原因", max_length=300, required=False)


class RuleChangeForm(BootstrapForm):
    value = forms.CharField(label="新取值", max_length=50)
    valid_from = forms.DateField(
        label="生效日期",
        widget=DateInput(),
        initial=timezone.localdate,
        help_text="今天或以后；已生效的取值不能追溯修改。",
    )
    source = forms.CharField(
        label="依据",
        max_length=300,
        required=False,
        help_text="制度文件名称与条款；留空则沿用国家标准出处。",
    )
    note = forms.CharField(label="修改原因", max_length=300)

    def __init__(self, *args, definition, **kwargs):
        super().__init__(*args, **kwargs)
        attrs = self.fields["value"].widget.attrs
        if isinstance(definition.default, int | float) and not isinstance(definition.default, bool):
            attrs.update(type="number", inputmode="numeric")
            if definition.minimum is not None:
                attrs["min"] = definition.minimum
            if definition.maximum is not None:
                attrs["max"] = definition.maximum

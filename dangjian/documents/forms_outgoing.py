"""Forms of the outgoing part: the register's filters, the drafting form with its distribution
rows (主送/抄送: an organisation, optionally with its subtree and one type, or a person), the
sign-off date and the 机关代字 settings.

The forms only parse; every rule (密级, 批复 → 请示, 请示's one superior, deadlines) is the
services' and comes back as a Chinese `ServiceError` shown above the form. The 密级 select offers
only 非密 and 内部, but a forged 秘密 reaches the service, which says why it refuses.
"""

from __future__ import annotations

import re
from html import escape

from django import forms
from django.urls import reverse

from dangjian.core.forms import BootstrapForm, DateInput
from dangjian.core.search_select import searchable
from dangjian.documents import selectors_outgoing as selectors
from dangjian.documents.models import (
    Classification,
    DocType,
    DocumentAddress,
    Urgency,
)
from dangjian.documents.services.dispatch import ORG_TYPE_LABELS, AddressSpec

# ---------------------------------------------------------------- the register


class RegisterFilterForm(BootstrapForm):
    year = forms.TypedChoiceField(label="年度", required=False, coerce=int, empty_value=None)
    doc_type = forms.ChoiceField(
        label="文种", required=False, choices=[("", "全部文种"), *DocType.choices]
    )
    q = forms.CharField(label="标题或字号", required=False, max_length=50)

    def __init__(self, *args, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", "全部年度"), *[(y, f"{y}年") for y in years]]
        self.fields["q"].widget.attrs.update(placeholder="标题或发文字号")
        self.fields["q"].widget.attrs["class"] += " form-control-sm"
        for name in ("year", "doc_type"):
            self.fields[name].widget.attrs["class"] += " form-select-sm"

    def filters(self, tab: str) -> selectors.RegisterFilters:
        """Cleaned filters (invalid ones dropped, so a hand-edited URL never fails)."""
        data = self.cleaned_data if self.is_valid() else {}
        return selectors.RegisterFilters(
            tab=tab if tab in selectors.TABS else "",
            year=data.get("year"),
            doc_type=data.get("doc_type") or "",
            text=(data.get("q") or "").strip(),
        )


# ---------------------------------------------------------------- drafting


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class OrganizationField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class PrefixSelect(forms.Select):
    """Each option names its organisation, so the page offers only the chosen issuer's."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-issuer"] = str(instance.organization_id)
        return option


class PrefixField(forms.ModelChoiceField):
    widget = PrefixSelect

    def label_from_instance(self, obj):
        return f"{obj.code}（{obj.organization.display_name}）"


class RequestField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        number = f"{obj.number} " if obj.number else ""
        return f"{number}{obj.title}（{obj.source_name}，{obj.sent_at:%Y-%m-%d}）"


class PersonField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name or obj.username


class DocumentForm(BootstrapForm):
    issuer = OrganizationField(
        queryset=None,
        label="发文组织",
        empty_label=None,
        error_messages={"invalid_choice": "所选组织不在您可以起草发文的范围内，请重新选择。"},
    )
    doc_type = forms.ChoiceField(label="文种", choices=DocType.choices, initial=DocType.NOTICE)
    prefix = PrefixField(
        queryset=None,
        label="机关代字",
        empty_label=None,
        error_messages={"invalid_choice": "所选机关代字不可用，请重新选择。"},
    )
    title = forms.CharField(label="标题", max_length=200)
    urgency = forms.ChoiceField(label="紧急程度", choices=Urgency.choices, initial=Urgency.NORMAL)
    # A plain text field with a select of the allowed values: a forged 秘密 gets to the service,
    # which refuses it with the reason (domain §8.3) instead of "not a valid choice".
    classification = forms.CharField(
        label="密级",
        initial=Classification.NONE,
        widget=forms.Select(choices=Classification.choices),
        help_text="本平台只处理非密和内部公文；涉密公文请通过机要渠道传递。",
    )
    body_html = forms.CharField(
        label="正文", required=False, widget=forms.Textarea(attrs={"rows": 12})
    )
    body_file = forms.FileField(
        label="正文文件",
        required=False,
        help_text="Word（.docx/.doc）或 PDF，最大 20 MB；上传了正文文件时正文框可不填。",
    )
    attachments = MultipleFileField(
        label="附件",
        required=False,
        help_text="Word、PDF、Excel 或图片（JPG/PNG），每个最大 20 MB，可一次选择多个。",
    )
    attachment_note = forms.CharField(
        label="附件说明",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="例如：1. 活动安排表　2. 报名表",
    )
    signatory = forms.CharField(label="发文机关署名", required=False, max_length=100)
    printer = forms.CharField(label="印发机关", required=False, max_length=100)
    remark = forms.CharField(
        label="附注", required=False, max_length=200, help_text="例如：（此件发至党支部）"
    )
    reply_required = forms.BooleanField(
        label="要求收文单位回复",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    deadline = forms.DateField(
        label="办理期限",
        required=False,
        widget=DateInput(),
        help_text="要求回复时必填：收文单位须在此日期前回复。",
        error_messages={"invalid": "请填写有效的日期。"},
    )
    in_reply_to = RequestField(
        queryset=None,
        label="所批复的请示",
        required=False,
        empty_label="请选择本组织收到的请示",
        error_messages={"invalid_choice": "所选请示不可用，请重新选择。"},
    )

    def __init__(self, *args, user, document=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.document = document
        self.fields["issuer"].queryset = selectors.drafting_issuers(user)
        self.fields["prefix"].queryset = selectors.drafting_prefixes(user)
        self.fields["in_reply_to"].queryset = selectors.requests_to_answer(user)
        if document is not None:  # the issuer of a draft does not change
            del self.fields["issuer"]
        if document is not None or self.single_issuer is not None:
            self.fields["prefix"].label_from_instance = lambda prefix: prefix.code
        self.fields["title"].widget.attrs.update(
            placeholder="发文机关 + 事由 + 文种，例如：中共一矿委员会关于……的通知"
        )
        self.fields["body_file"].widget.attrs["accept"] = ".docx,.doc,.pdf"
        self.fields["attachments"].widget.attrs["accept"] = ".docx,.doc,.pdf,.xlsx,.jpg,.jpeg,.png"

    @property
    def single_issuer(self):
        field = self.fields.get("issuer")
        if field is None:
            return None
        choices = list(field.queryset[:2])
        return choices[0] if len(choices) == 1 else None

    def document_data(self) -> dict:
        data = {
            name: self.cleaned_data.get(name)
            for name in (
                "doc_type", "prefix", "title", "urgency", "classification", "attachment_note",
                "remark", "signatory", "printer", "reply_required", "deadline", "in_reply_to",
            )
        }  # fmt: skip
        data["body_html"] = body_from_input(self.cleaned_data.get("body_html") or "")
        return data


_TAG = re.compile(r"<[a-zA-Z/][^>]*>")


def body_from_input(text: str) -> str:
    """The editor sends HTML; the plain text box (no JavaScript) sends lines, made paragraphs."""
    text = text.strip()
    if not text or _TAG.search(text):
        return text
    return "".join(f"<p>{escape(line.strip())}</p>" for line in text.splitlines() if line.strip())


ROLE_CHOICES = DocumentAddress.Role.choices
ORG_TYPE_CHOICES = list(ORG_TYPE_LABELS.items())


class AddressForm(BootstrapForm):
    role = forms.ChoiceField(label="类别", choices=ROLE_CHOICES, initial=DocumentAddress.Role.MAIN)
    organization = OrganizationField(
        queryset=None,
        label="收文组织",
        required=False,
        empty_label="（不选组织）",
        error_messages={"invalid_choice": "所选组织不存在或已撤销，请重新查找。"},
    )
    include_subtree = forms.BooleanField(label="含下级组织", required=False)
    org_type = forms.ChoiceField(label="下级中只发给", choices=ORG_TYPE_CHOICES, required=False)
    user = PersonField(
        queryset=None,
        label="或收文人",
        required=False,
        empty_label="（不选个人）",
        error_messages={"invalid_choice": "所选人员不存在或账号已停用，请重新查找。"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = selectors.addressable_organizations()
        self.fields["user"].queryset = selectors.addressable_people()
        searchable(
            self, "organization", reverse("documents:outgoing_org_options"), "输入组织名称或代码"
        )
        searchable(self, "user", reverse("documents:outgoing_people_options"), "输入姓名")
        for name in ("role", "org_type", "organization", "user"):
            self.fields[name].widget.attrs["class"] += " form-select-sm"
        self.fields["include_subtree"].widget.attrs["class"] = "form-check-input"
        self.fields["role"].widget.attrs["data-address-role"] = ""

    def clean(self):
        data = super().clean()
        if data.get("organization") and data.get("user"):
            raise forms.ValidationError("一行只能选一个组织或一个人，请分成两行。")
        return data

    def spec(self) -> AddressSpec | None:
        data = self.cleaned_data
        if not data or data.get("DELETE") or not (data.get("organization") or data.get("user")):
            return None
        subtree = bool(data.get("include_subtree")) and data.get("organization") is not None
        return AddressSpec(
            role=data.get("role") or DocumentAddress.Role.MAIN,
            organization=data.get("organization"),
            include_subtree=subtree,
            org_type=(data.get("org_type") or "") if subtree else "",
            user=data.get("user") if not data.get("organization") else None,
        )


class BaseAddressFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields["DELETE"].widget.attrs.update({"class": "form-check-input", "data-delete": ""})

    def specs(self) -> list[AddressSpec]:
        return [spec for form in self.forms if (spec := form.spec()) is not None]


AddressFormSet = forms.formset_factory(
    AddressForm, formset=BaseAddressFormSet, extra=0, can_delete=True, max_num=200
)


def address_formset(data=None, *, document=None, blank_rows: int = 2):
    """The distribution rows: the draft's addresses and one empty row, or empty rows for a new
    draft (more are added in the page, or after saving)."""
    rows = []
    if document is not None:
        rows = [
            {
                "role": a.role,
                "organization": a.organization_id,
                "include_subtree": a.include_subtree,
                "org_type": a.org_type,
                "user": a.user_id,
            }
            for a in document.addresses.all()
        ]
    rows += [{"role": DocumentAddress.Role.MAIN}] * (blank_rows if not rows else 1)
    return AddressFormSet(data, initial=rows, prefix="addresses")


# ---------------------------------------------------------------- workflow inputs


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=500, required=False)


class SignForm(forms.Form):
    dated = forms.DateField(required=False, error_messages={"invalid": "成文日期不正确。"})


# ---------------------------------------------------------------- 机关代字


class PrefixForm(BootstrapForm):
    organization = OrganizationField(
        queryset=None,
        label="组织",
        empty_label=None,
        error_messages={"invalid_choice": "所选组织不在您管理机关代字的范围内。"},
    )
    code = forms.CharField(
        label="机关代字", max_length=20, help_text="发文字号“〔年份〕”前面的部分，例如：××党"
    )
    header = forms.CharField(
        label="发文机关标志", max_length=60, help_text="红头上的文字，例如：中共××委员会文件"
    )
    is_default = forms.BooleanField(
        label="设为默认",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    is_active = forms.BooleanField(
        label="启用",
        required=False,
        initial=True,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, user, editing=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = selectors.issuing_organizations(user)
        if editing is not None:
            del self.fields["organization"]
        self.fields["code"].widget.attrs.update(placeholder="××党")
        self.fields["header"].widget.attrs.update(placeholder="中共××委员会文件")

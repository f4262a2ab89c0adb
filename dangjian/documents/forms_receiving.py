"""Forms of the receiving side. They parse and present; the rules live in
`services.receiving` (a refusal there comes back as a message on the receipt page)."""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils import timezone

from dangjian.core.forms import BootstrapForm, DateInput
from dangjian.core.scope import scope_of
from dangjian.core.search_select import searchable
from dangjian.documents.models import REFUSED_CLASSIFICATIONS, DocType, PaperClassification, Urgency
from dangjian.documents.permissions import SIGN_RECEIPT
from dangjian.documents.services.receiving import circulation_pool
from dangjian.orgs.models import Organization

PEOPLE_LIMIT = 10
FILE_ACCEPT = ".jpg,.jpeg,.png,.pdf,.docx,.xlsx,image/jpeg,image/png,application/pdf"
FILE_HELP = "Word（.docx）、PDF、Excel（.xlsx）或 JPG/PNG 图片，每个不超过 20 MB，可一次选多个。"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": FILE_ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class PersonField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


def _person_field(label: str, *, required: bool = False) -> PersonField:
    return PersonField(
        queryset=_none_users(),
        label=label,
        required=required,
        empty_label="请选择",
        error_messages={
            "required": f"请选择{label}。",
            "invalid_choice": f"所选{label}不是本组织在用账号的人员，请输入姓名查找后选择。",
        },
    )


def _none_users():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.none()


class _PeopleForm(BootstrapForm):
    """A form whose person fields choose from the receipt's circulation pool."""

    people_fields: tuple[str, ...] = ()

    def __init__(self, *args, receipt, **kwargs):
        super().__init__(*args, **kwargs)
        pool = circulation_pool(receipt).order_by("display_name", "pk")
        url = reverse("documents:receipt_people", args=[receipt.pk])
        for name in self.people_fields:
            self.fields[name].queryset = pool
            searchable(self, name, url, "输入姓名查找", limit=PEOPLE_LIMIT)


class CirculateForm(_PeopleForm):
    people_fields = ("reader_1", "reader_2", "reader_3")
    reader_1 = _person_field("传阅人", required=True)
    reader_2 = _person_field("传阅人（二）")
    reader_3 = _person_field("传阅人（三）")

    def readers(self) -> list:
        return [self.cleaned_data[name] for name in self.people_fields if self.cleaned_data[name]]


class AssignForm(_PeopleForm):
    people_fields = ("lead", "assistant_1", "assistant_2")
    lead = _person_field("主办人", required=True)
    assistant_1 = _person_field("协办人")
    assistant_2 = _person_field("协办人（二）")
    due_on = forms.DateField(label="办理期限", required=False, widget=DateInput())

    def assistants(self) -> list:
        names = ("assistant_1", "assistant_2")
        return [self.cleaned_data[name] for name in names if self.cleaned_data[name]]


class ReplyForm(BootstrapForm):
    text = forms.CharField(
        label="回复内容",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "办理情况、意见或需要说明的事项"}),
        error_messages={"required": "请填写回复内容。"},
    )
    files = MultipleFileField(label="附件（可选）", help_text=FILE_HELP)


class PaperForm(BootstrapForm):
    organization = forms.ModelChoiceField(
        queryset=Organization.objects.none(),
        label="收文单位",
        empty_label=None,
        error_messages={"invalid_choice": "请选择您可以登记来文的组织。"},
    )
    source_name = forms.CharField(label="来文机关", max_length=100)
    number = forms.CharField(label="发文字号", max_length=60, required=False)
    title = forms.CharField(label="标题", max_length=200)
    doc_type = forms.ChoiceField(label="文种", choices=DocType.choices, initial=DocType.NOTICE)
    classification = forms.ChoiceField(
        label="密级",
        choices=PaperClassification.choices,
        initial=PaperClassification.NONE,
        help_text="秘密、机密、绝密来文只登记目录信息，不得上传扫描件，原件按保密规定保管。",
    )
    urgency = forms.ChoiceField(label="紧急程度", choices=Urgency.choices, initial=Urgency.NORMAL)
    copies = forms.IntegerField(label="份数", min_value=1, max_value=999, initial=1)
    received_on = forms.DateField(label="收文日期", widget=DateInput())
    reply_required = forms.BooleanField(
        label="来文要求回复",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    deadline = forms.DateField(label="办理期限", required=False, widget=DateInput())
    files = MultipleFileField(label="来文扫描件（可选）", help_text=FILE_HELP)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        grants = {g.organization_id for g in scope_of(user).grants if SIGN_RECEIPT in g.permissions}
        self.fields["organization"].queryset = Organization.objects.filter(pk__in=grants).order_by(
            "path"
        )
        self.fields["received_on"].initial = timezone.localdate()
        for field in self.fields.values():
            if field.required:
                field.error_messages["required"] = f"请填写{field.label}。"
        self.fields["files"].widget.attrs["data-paper-files"] = "1"
        self.fields["classification"].widget.attrs["data-paper-classification"] = ",".join(
            REFUSED_CLASSIFICATIONS
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("classification") in REFUSED_CLASSIFICATIONS and cleaned.get("files"):
            self.add_error(
                "files",
                "涉密来文（秘密、机密、绝密）不得上传扫描件：本平台不得存储涉密内容，请只登记目录信息。",
            )
        if cleaned.get("reply_required") and not cleaned.get("deadline"):
            self.add_error("deadline", "来文要求回复时，请填写办理期限。")
        return cleaned

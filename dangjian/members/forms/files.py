"""The forms of a member's files: the documents of the personnel file (入党志愿书 and the like)
and the rewards and punishments, each with an optional scanned decision.
"""

from __future__ import annotations

from django import forms

from dangjian.core.forms import DateInput
from dangjian.core.uploads import DOCUMENTS, MB, check_upload
from dangjian.members.forms.base import RecordBaseForm, _blank
from dangjian.members.models import Discipline, MemberDocument, RewardPunishment

DOCUMENT_MAX_BYTES = 20 * MB


class DocumentForm(RecordBaseForm):
    kind = forms.ChoiceField(label="材料类型", choices=MemberDocument.Kind.choices)
    title = forms.CharField(
        label="名称", max_length=200, help_text="如“入党志愿书（2010年）”，下载时作为文件名。"
    )
    file = forms.FileField(
        label="文件",
        help_text="PDF、Word、Excel、JPG 或 PNG，不超过 20 MB。",
        widget=forms.FileInput(attrs={"accept": ".pdf,.doc,.docx,.xls,.xlsx,.jpg,.jpeg,.png"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        self.file_kind = check_upload(
            upload, kinds=DOCUMENTS, max_bytes=DOCUMENT_MAX_BYTES, what="文件"
        )
        return upload


class RewardForm(RecordBaseForm):
    kind = forms.ChoiceField(
        label="类别", choices=RewardPunishment.Kind.choices, widget=forms.RadioSelect
    )
    title = forms.CharField(
        label="名称", max_length=200, help_text="如“优秀共产党员”“党内严重警告处分”。"
    )
    discipline = forms.ChoiceField(
        label="党纪处分种类",
        required=False,
        choices=_blank("请选择（处分必填）") + list(Discipline.choices),
        help_text="《中国共产党纪律处分条例》第八条规定的五种处分。",
    )
    decided_on = forms.DateField(label="决定日期", widget=DateInput())
    ends_on = forms.DateField(
        label="察看期满日期",
        required=False,
        widget=DateInput(),
        help_text="仅留党察看填写：察看期为一年或二年，自决定之日起计算。",
    )
    issuer = forms.CharField(label="决定机关", max_length=100, help_text="如“中共一矿委员会”。")
    document_number = forms.CharField(
        label="文件字号", max_length=100, required=False, help_text="如“矿党发〔2024〕12号”。"
    )
    note = forms.CharField(
        label="备注", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=1000
    )
    file = forms.FileField(
        label="文件（可选）",
        required=False,
        help_text="表彰或处分决定的扫描件：PDF、Word、JPG 或 PNG，不超过 20 MB。",
        widget=forms.FileInput(attrs={"accept": ".pdf,.doc,.docx,.jpg,.jpeg,.png"}),
    )

    file_kind = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].widget.attrs["class"] = "form-check-input"

    def clean(self):
        data = super().clean()
        # Fields the page hides for this kind are ignored rather than refused unseen.
        if data.get("kind") != RewardPunishment.Kind.PUNISHMENT:
            data["discipline"] = ""
        if data.get("discipline") != Discipline.PROBATION:
            data["ends_on"] = None
        return data

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload:
            self.file_kind = check_upload(
                upload, kinds=DOCUMENTS, max_bytes=DOCUMENT_MAX_BYTES, what="文件"
            )
        return upload

"""Forms of the 组织生活 pages. They parse input; the services (meetings.services) decide."""

from __future__ import annotations

import datetime

from django import forms
from django.urls import reverse
from django.utils import timezone

from dangjian.core.forms import BootstrapForm
from dangjian.core.search_select import searchable
from dangjian.meetings.models import Attendance, Meeting, MeetingFile, MeetingType
from dangjian.meetings.permissions import MANAGE_MEETING, VIEW_MEETING
from dangjian.members.forms.pickers import search
from dangjian.members.models import Person
from dangjian.members.models.choices import IN_GOOD_STANDING
from dangjian.orgs.models import Organization

MINUTES_MAX = 100_000  # characters of sanitised HTML; a long meeting fits many times over
RESOLUTIONS_MAX = 5000


class OrganizationField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class PersonField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class LocalDateTimeInput(forms.DateTimeInput):
    """The browser's own date-time picker (`2026-11-24T14:30` on the wire, local time)."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def _datetime_field(label: str, *, required: bool = True) -> forms.DateTimeField:
    example = f"{timezone.localdate():%Y-%m-%d} 14:30"
    return forms.DateTimeField(
        label=label,
        required=required,
        widget=LocalDateTimeInput(),
        error_messages={
            "required": f"请填写{label}。",
            "invalid": f"{label}格式不正确，例如 {example}。",
        },
    )


# ---------------------------------------------------------------- choices in the user's scope


def managed_organizations(user):
    """Where the user may plan meetings: active organisations in the MANAGE_MEETING scope."""
    return (
        Organization.objects.visible_to(user, MANAGE_MEETING)
        .filter(is_active=True)
        .only("pk", "name", "short_name", "code", "path", "depth", "org_type", "is_active")
        .order_by("path")
    )


def viewed_organizations(user):
    """Organisations whose subtree the meetings list can be narrowed to."""
    return (
        Organization.objects.visible_to(user, VIEW_MEETING)
        .filter(is_active=True)
        .only("pk", "name", "short_name", "code", "path", "depth", "org_type", "is_active")
        .order_by("path")
    )


def organization_options(queryset, query: str, limit: int) -> list:
    found = search(queryset, query, "name", "short_name", "code")
    return list(found[:limit])


def host_candidates(user):
    """People who may host, record or lecture: members in good standing in the user's
    MANAGE_MEETING scope (the service checks they belong to the meeting's line)."""
    return (
        Person.objects.visible_to(user, MANAGE_MEETING)
        .filter(membership__status__in=IN_GOOD_STANDING)
        .only("pk", "name", "pinyin_key")
        .order_by("pinyin_key", "pk")
    )


def person_options(user, query: str, limit: int) -> list:
    query = (query or "").strip().lower()
    people = host_candidates(user)
    if query:
        people = search(people, query, "name", "pinyin_key")
    return list(people[:limit])


def active_types():
    return MeetingType.objects.filter(is_active=True).order_by("sort_order", "pk")


# ---------------------------------------------------------------- the list filters


class MeetingFilterForm(BootstrapForm):
    within = OrganizationField(
        queryset=Organization.objects.none(),
        label="党组织（含下级）",
        required=False,
        empty_label="全部",
        error_messages={
            "invalid_choice": "所选党组织不在您可以查看组织生活的范围内，"
            "请输入名称或代码查找后从列表中选择。"
        },
    )
    meeting_type = forms.ModelChoiceField(
        queryset=MeetingType.objects.none(),
        label="会议类型",
        required=False,
        empty_label="全部",
        error_messages={"invalid_choice": "所选会议类型不存在，请重新选择。"},
    )
    status = forms.ChoiceField(label="状态", required=False)
    year = forms.IntegerField(
        label="年度",
        required=False,
        min_value=2000,
        max_value=2100,
        error_messages={"invalid": "年度请填写四位数字，例如 2026。"},
    )
    month = forms.TypedChoiceField(
        label="月份",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "全部"), *[(m, f"{m}月") for m in range(1, 13)]],
    )
    late = forms.BooleanField(label="只看补录", required=False)
    awaiting = forms.BooleanField(label="待审核", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["within"].queryset = viewed_organizations(user)
        searchable(self, "within", reverse("meetings:organization_options"), "输入名称或代码查找")
        self.fields["meeting_type"].queryset = MeetingType.objects.order_by("sort_order", "pk")
        self.fields["status"].choices = [("", "全部"), *Meeting.Status.choices]
        for name in ("year", "status", "month"):
            self.fields[name].widget.attrs["class"] += " form-control-sm"
        self.fields["month"].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["status"].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["meeting_type"].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["year"].widget.attrs.update(inputmode="numeric", placeholder="全部")

    def filters(self) -> dict:
        """Cleaned filters (invalid ones dropped, so a hand-edited URL never fails)."""
        if not self.is_valid():
            return {
                name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors
            }
        return dict(self.cleaned_data)


# ---------------------------------------------------------------- plan and edit


class MeetingPlanForm(BootstrapForm):
    organization = OrganizationField(
        queryset=Organization.objects.none(),
        label="召开组织",
        empty_label="请选择党组织",
        error_messages={
            "required": "请选择召开会议的党组织。",
            "invalid_choice": "所选党组织不在您可以组织会议的范围内，请输入名称或代码查找后选择。",
        },
    )
    meeting_type = forms.ModelChoiceField(
        queryset=MeetingType.objects.none(),
        label="会议类型",
        empty_label=None,
        error_messages={
            "required": "请选择会议类型。",
            "invalid_choice": "所选会议类型已停用，请选择其他类型。",
        },
    )
    topic = forms.CharField(
        label="会议主题",
        max_length=200,
        error_messages={"required": "请填写会议主题。"},
        help_text="可点击右侧本月组织生活指南中的主题直接填入。",
    )
    planned_start = _datetime_field("计划开始时间")
    planned_end = _datetime_field("计划结束时间")
    place = forms.CharField(label="会议地点", max_length=200, required=False)
    is_online = forms.BooleanField(
        label="线上会议",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    host = PersonField(queryset=Person.objects.none(), label="主持人", required=False)
    recorder = PersonField(queryset=Person.objects.none(), label="记录人", required=False)
    lecturer = PersonField(
        queryset=Person.objects.none(), label="授课人", required=False, empty_label="（外请或未定）"
    )
    lecturer_name = forms.CharField(
        label="授课人（外请）",
        max_length=50,
        required=False,
        help_text="授课人不是本系统中的人员时填写姓名和职务。",
    )
    agenda = forms.CharField(
        label="会议议程",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "一、……\n二、……"}),
    )
    guide = forms.IntegerField(required=False, widget=forms.HiddenInput)
    visitors = forms.CharField(
        label="列席人员",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "每行一人：姓名 单位职务"}),
        help_text="不是本组织党员的参会人员（如上级党组织联系人），每行一人。",
    )

    def __init__(self, *args, user, meeting: Meeting | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.meeting = meeting
        self.fields["meeting_type"].queryset = active_types()
        self.fields["organization"].queryset = managed_organizations(user)
        people = host_candidates(user)
        for name in ("host", "recorder", "lecturer"):
            self.fields[name].queryset = people
        if meeting is not None:
            # The organisation of a meeting is fixed once planned; visitors have their own form.
            del self.fields["organization"], self.fields["visitors"]
            if meeting.status != Meeting.Status.DRAFT:
                self.fields["meeting_type"].disabled = True
                self.fields["meeting_type"].help_text = "会议通知发出后不能更改会议类型。"
        else:
            searchable(
                self,
                "organization",
                reverse("meetings:organization_options") + "?manage=1",
                "输入名称或代码查找",
            )
        for name in ("host", "recorder", "lecturer"):
            searchable(self, name, reverse("meetings:people_options"), "输入姓名或拼音查找")
        self.fields["meeting_type"].widget.attrs["data-has-lecturer"] = ",".join(
            str(pk)
            for pk in self.fields["meeting_type"]
            .queryset.filter(has_lecturer=True)
            .values_list("pk", flat=True)
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("planned_start"), cleaned.get("planned_end")
        if start and end and end <= start:
            self.add_error("planned_end", "结束时间须晚于开始时间。")
        return cleaned

    def clean_visitors(self) -> list[tuple[str, str]]:
        rows = []
        for number, line in enumerate(self.cleaned_data["visitors"].splitlines(), start=1):
            parts = line.strip().split(maxsplit=1)
            if not parts:
                continue
            name, title = parts[0], parts[1] if len(parts) > 1 else ""
            if len(name) > 50 or len(title) > 100:
                raise forms.ValidationError(
                    f"列席人员第 {number} 行过长：姓名不超过50字，职务不超过100字。"
                )
            rows.append((name, title))
        return rows

    def plan_values(self) -> dict:
        data = self.cleaned_data
        names = (
            "meeting_type", "topic", "planned_start", "planned_end", "place", "is_online",
            "host", "recorder", "lecturer", "lecturer_name", "agenda",
        )  # fmt: skip
        return {name: data[name] for name in names}


class AttendeeChoiceForm(forms.Form):
    """The expected attendees ticked in the picker (person ids; the service checks them)."""

    attendees = forms.TypedMultipleChoiceField(coerce=int, required=False)
    attendees_drawn = forms.BooleanField(required=False)

    def __init__(self, *args, pool_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].choices = [(pk, pk) for pk in pool_ids]
        self.fields["attendees"].error_messages["invalid_choice"] = (
            "所选参会人员不在本组织的党员名单中，请刷新页面后重新选择。"
        )

    def chosen(self) -> list[int] | None:
        """The ticked ids, or None when the picker was not shown (defaults by the type)."""
        if not self.cleaned_data.get("attendees_drawn"):
            return None
        return list(self.cleaned_data["attendees"])


# ---------------------------------------------------------------- attendance


class AttendanceForm(forms.Form):
    """One status and one leave reason per attendance row (`status_<id>`, `reason_<id>`)."""

    MARKS = [
        (Attendance.Status.PRESENT, "出席"),
        (Attendance.Status.LEAVE, "请假"),
        (Attendance.Status.ABSENT, "缺席"),
    ]

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = list(rows)
        for row in self.rows:
            self.fields[f"status_{row.pk}"] = forms.ChoiceField(
                choices=self.MARKS, required=False, widget=forms.RadioSelect
            )
            self.fields[f"reason_{row.pk}"] = forms.CharField(
                max_length=200,
                required=False,
                widget=forms.TextInput(
                    attrs={"class": "form-control", "placeholder": "请假事由（必填）"}
                ),
            )
            if row.status != Attendance.Status.PENDING:
                self.initial.setdefault(f"status_{row.pk}", row.status)
            self.initial.setdefault(f"reason_{row.pk}", row.leave_reason)

    def lines(self):
        return [(row, self[f"status_{row.pk}"], self[f"reason_{row.pk}"]) for row in self.rows]

    def marks(self) -> dict[int, tuple[str, str]]:
        """Rows given a mark (rows left untouched keep their sign-in)."""
        marks = {}
        for row in self.rows:
            status = self.cleaned_data.get(f"status_{row.pk}")
            if status:
                marks[row.pk] = (status, self.cleaned_data.get(f"reason_{row.pk}", ""))
        return marks


class VisitorForm(BootstrapForm):
    name = forms.CharField(
        label="列席人员姓名", max_length=50, error_messages={"required": "请填写列席人员姓名。"}
    )
    title = forms.CharField(label="单位职务", max_length=100, required=False)


# ---------------------------------------------------------------- record


class RecordForm(BootstrapForm):
    actual_start = _datetime_field("实际开始时间")
    actual_end = _datetime_field("实际结束时间")
    place = forms.CharField(label="会议地点", max_length=200, required=False)
    agenda = forms.CharField(
        label="会议议程", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    minutes = forms.CharField(
        label="会议记录",
        max_length=MINUTES_MAX,
        widget=forms.HiddenInput,
        error_messages={"required": "请填写会议记录。"},
    )
    resolutions = forms.CharField(
        label="会议决议",
        max_length=RESOLUTIONS_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="党员大会、支委会形成的决议事项，每项一行。",
    )
    class_hours = forms.DecimalField(
        label="计入学时",
        required=False,
        min_value=0,
        max_value=99,
        decimal_places=1,
        help_text="不填按会议类型的学时规则计入。",
        error_messages={"invalid": "学时请填写数字，例如 2 或 1.5。"},
    )

    def clean_minutes(self):
        text = self.cleaned_data["minutes"]
        plain = text.replace("<p>", "").replace("</p>", "").replace("<br>", "").strip()
        if not plain:
            raise forms.ValidationError("请填写会议记录。")
        return text

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("actual_start"), cleaned.get("actual_end")
        if start and end and end <= start:
            self.add_error("actual_end", "结束时间须晚于开始时间。")
        if start and start > timezone.now() + datetime.timedelta(minutes=5):
            self.add_error("actual_start", "会议尚未召开，不能录入会议记录；请在会后录入。")
        return cleaned


# ---------------------------------------------------------------- files, review, cancel


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        accept = ".jpg,.jpeg,.png,.pdf,.docx,.xlsx,image/jpeg,image/png"
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"class": "form-control", "accept": accept})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else single(data, initial)


class UploadForm(BootstrapForm):
    kind = forms.ChoiceField(
        label="类别", choices=MeetingFile.Kind.choices, widget=forms.RadioSelect
    )
    files = MultipleFileField(
        label="选择文件",
        error_messages={"required": "请选择要上传的照片或材料（可一次选多个）。"},
        help_text="会议照片：JPG/PNG，每张不超过 10 MB；会议材料：PDF、Word、Excel 或图片，"
        "每个不超过 20 MB。可一次选择多个。",
    )
    title = forms.CharField(
        label="说明",
        max_length=200,
        required=False,
        help_text="不填时照片名为“会议照片”，材料用文件名；一次上传多个时作为共同说明。",
    )


class ReasonForm(BootstrapForm):
    reason = forms.CharField(
        label="原因",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写原因。"},
    )


class ReviewForm(BootstrapForm):
    comment = forms.CharField(
        label="审核意见",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SigninForm(forms.Form):
    code = forms.CharField(
        label="签到码",
        max_length=12,
        error_messages={"required": "请输入会议主持人公布的6位签到码。"},
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": "[0-9]*",
                "maxlength": "6",
                "placeholder": "······",
                "class": "form-control dj-code-input",
                "aria-describedby": "code-help",
            }
        ),
    )

    def clean_code(self):
        return "".join(ch for ch in self.cleaned_data["code"] if not ch.isspace())

"""The filters of the member list (and of its export and API): one form, translated to SQL.

Every choice that names an organisation or a unit comes from the user's scope, so a filter can
only narrow the scoped queryset. Conditions are written so the database can use its indexes:
the organisation subtree is an anchored path prefix, an age band is a `birth_date` range and a
joining year a `joined_on` range (never a computed age or `__year` on every row).
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.db.models import Q, QuerySet

from dangjian.core.crypto import lookup_hash
from dangjian.core.forms import BootstrapForm, limit_rendered_choices
from dangjian.core.idnumbers import IdNumberError, normalise, parse_id_number
from dangjian.core.pinyin import is_pinyin_query, name_matches_q
from dangjian.core.scope import scope_of
from dangjian.members import statistics
from dangjian.members.models import (
    ETHNICITY_CHOICES,
    IN_GOOD_STANDING,
    Category,
    Education,
    Gender,
    Status,
    TitleLevel,
)
from dangjian.members.permissions import VIEW_MEMBER
from dangjian.orgs.dates import add_months
from dangjian.orgs.models import Organization, OrgType, Unit

OPTION_LIMIT = 30  # organisations rendered at once in the search-backed select
UNIT_LIMIT = 200  # units rendered at once; a group has thousands, narrowed by the organisation
ALL_STATUSES = "all"


# The 党内统计 age bands (with their source) serve the filter too, so the two never differ.
AGE_BANDS = statistics.AGE_BANDS
AGE_BAND_BY_CODE = {band.code: band for band in AGE_BANDS}

# sort code -> order_by fields; every order ends with the primary key so pages never overlap.
SORTS = {
    "org": ("organization__path", "person__pinyin_key", "pk"),
    "-org": ("-organization__path", "-person__pinyin_key", "-pk"),
    "name": ("person__pinyin_key", "pk"),
    "-name": ("-person__pinyin_key", "-pk"),
    "joined_on": ("joined_on", "pk"),
    "-joined_on": ("-joined_on", "-pk"),
    "birth_date": ("person__birth_date", "pk"),
    "-birth_date": ("-person__birth_date", "-pk"),
    "work_number": ("person__work_number", "pk"),
    "-work_number": ("-person__work_number", "-pk"),
}
SORT_CHOICES = [
    ("org", "按组织排序"),
    ("-org", "按组织倒序"),
    ("name", "按姓名拼音 A→Z"),
    ("-name", "按姓名拼音 Z→A"),
    ("-joined_on", "入党日期由近到远"),
    ("joined_on", "入党日期由远到近"),
    ("birth_date", "年龄由大到小"),
    ("-birth_date", "年龄由小到大"),
    ("work_number", "工号升序"),
    ("-work_number", "工号降序"),
]
DEFAULT_SORT = "org"


def birth_range(band: statistics.Band, today: date) -> Q:
    """Age in full years between the band's bounds, as a `birth_date` range.

    Someone is at least N on `today` when born on or before today minus N years, and at most N
    when born after today minus N + 1 years (month arithmetic clamps 29 February).
    """
    condition = Q(person__birth_date__isnull=False)
    if band.youngest is not None:
        condition &= Q(person__birth_date__lte=add_months(today, -12 * band.youngest))
    if band.oldest is not None:
        condition &= Q(person__birth_date__gt=add_months(today, -12 * (band.oldest + 1)))
    return condition


def search_q(query: str, *, prefix: str = "person__") -> Q:
    """`q`: an ID number (exact, by its hash), a work number (prefix), pinyin or a name.

    `prefix` leads from the searched model to the person: `person__` for members, "" for people.
    """
    query = query.strip()
    if not query:
        return Q()
    number = normalise(query)
    if _looks_like_id_number(number):
        try:
            return Q(**{f"{prefix}id_number_hash": lookup_hash(parse_id_number(number).number)})
        except IdNumberError:
            pass  # not a valid ID number: fall through to the work number
    if is_pinyin_query(query):
        return name_matches_q(query, name_field=f"{prefix}name", key_field=f"{prefix}pinyin_key")
    if query.isascii() and query.replace("-", "").isalnum():
        return Q(**{f"{prefix}work_number__istartswith": query})
    return Q(**{f"{prefix}name__contains": query})


def _looks_like_id_number(number: str) -> bool:
    return (
        len(number) in (15, 18)
        and number[:-1].isdigit()
        and (number[-1].isdigit() or number[-1] == "X")
    )


def units_for(user, permission: str) -> QuerySet:
    """Units whose owner is inside the user's scope or above one of its grants (a branch
    secretary filters by the units of the mine that owns their 区队)."""
    condition = Q()
    for prefix in scope_of(user).paths_for(permission):
        step = Organization.steplen
        above = [prefix[:end] for end in range(step, len(prefix) + 1, step)]
        condition |= Q(owner__path__startswith=prefix) | Q(owner__path__in=above)
    if not condition:
        return Unit.objects.none()
    return Unit.objects.filter(condition, is_active=True).order_by("sort_order", "name")


class OrganizationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organization) -> str:
        return obj.name


class MemberFilterForm(BootstrapForm):
    """The list filters; build it with the user (and permission) whose scope limits choices."""

    q = forms.CharField(
        label="搜索",
        required=False,
        max_length=50,
        widget=forms.TextInput(
            attrs={"placeholder": "姓名、拼音或首字母、工号、身份证号", "type": "search"}
        ),
    )
    org = OrganizationChoiceField(
        label="所在组织",
        required=False,
        queryset=Organization.objects.none(),
        empty_label="全部（本人权限范围）",
        error_messages={"invalid_choice": "所选组织不存在或不在您的权限范围内，请重新选择。"},
    )
    category = forms.ChoiceField(
        label="党员类别", required=False, choices=[("", "全部类别"), *Category.choices]
    )
    status = forms.ChoiceField(
        label="党籍状态",
        required=False,
        choices=[("", "在册党员"), (ALL_STATUSES, "全部状态"), *Status.choices],
    )
    gender = forms.ChoiceField(
        label="性别", required=False, choices=[("", "全部"), *Gender.choices]
    )
    age = forms.ChoiceField(
        label="年龄段",
        required=False,
        choices=[("", "全部年龄"), *((band.code, band.label) for band in AGE_BANDS)],
    )
    education = forms.ChoiceField(
        label="学历", required=False, choices=[("", "全部学历"), *Education.choices]
    )
    ethnicity = forms.ChoiceField(
        label="民族", required=False, choices=[("", "全部民族"), *ETHNICITY_CHOICES]
    )
    joined_year = forms.IntegerField(
        label="入党年份",
        required=False,
        min_value=1921,
        max_value=2100,
        widget=forms.NumberInput(attrs={"placeholder": "如 2010", "inputmode": "numeric"}),
        error_messages={
            "min_value": "入党年份不能早于 1921 年。",
            "invalid": "入党年份请填写四位数字。",
        },
    )
    title_level = forms.ChoiceField(
        label="职称", required=False, choices=[("", "全部职称"), *TitleLevel.choices]
    )
    unit = forms.ModelChoiceField(
        label="行政单位",
        required=False,
        queryset=Unit.objects.none(),
        empty_label="全部单位",
        error_messages={"invalid_choice": "所选行政单位不存在或不在您的权限范围内。"},
    )
    sort = forms.CharField(label="排序", required=False, widget=forms.Select(choices=SORT_CHOICES))

    def __init__(self, data=None, *, user, permission: str = VIEW_MEMBER, **kwargs):
        super().__init__(data, **kwargs)
        self.user = user
        self.fields["org"].queryset = Organization.objects.visible_to(user, permission).order_by(
            "path"
        )
        self.fields["unit"].queryset = units_for(user, permission)

    def limit_choices(self) -> None:
        """For rendering: the organisation select shows a short head and the chosen one; the
        search box beside it fetches the rest."""
        limit_rendered_choices(self, "org", OPTION_LIMIT)
        organization = self._chosen_organization()
        if organization is not None:
            # The units of the chosen organisation's subtree and of the 党委s above it.
            step = Organization.steplen
            above = [organization.path[:end] for end in range(step, len(organization.path), step)]
            field = self.fields["unit"]
            field.queryset = field.queryset.filter(
                Q(owner__path__startswith=organization.path) | Q(owner__path__in=above)
            )
        limit_rendered_choices(self, "unit", UNIT_LIMIT)

    def _chosen_organization(self) -> Organization | None:
        if self.is_bound and hasattr(self, "cleaned_data"):
            return self.cleaned_data.get("org")
        return None

    def clean_sort(self) -> str:
        """An unknown sort falls back to the default: a hand-edited URL still shows the list."""
        value = self.cleaned_data.get("sort") or ""
        return value if value in SORTS else DEFAULT_SORT

    def clean_q(self) -> str:
        return (self.cleaned_data.get("q") or "").strip()

    @property
    def is_filtered(self) -> bool:
        """Has the user narrowed the list beyond the default (for the "clear" link)?"""
        if not self.is_bound or not hasattr(self, "cleaned_data"):
            return False
        return any(self.cleaned_data.get(name) for name in self.fields if name != "sort")

    def apply(self, queryset: QuerySet, *, today: date | None = None) -> QuerySet:
        """The cleaned filters on a scoped Member queryset (call after `is_valid()`)."""
        data = self.cleaned_data
        today = today or date.today()
        queryset = queryset.filter(self._status_q(data.get("status") or ""))
        if organization := data.get("org"):
            queryset = queryset.filter(self._organization_q(organization))
        for field, lookup in (
            ("category", "category"),
            ("gender", "person__gender"),
            ("education", "person__education"),
            ("ethnicity", "person__ethnicity"),
            ("title_level", "person__title_level"),
            ("unit", "person__unit"),
        ):
            if value := data.get(field):
                queryset = queryset.filter(**{lookup: value})
        if band := AGE_BAND_BY_CODE.get(data.get("age") or ""):
            queryset = queryset.filter(birth_range(band, today))
        if year := data.get("joined_year"):
            queryset = queryset.filter(
                joined_on__gte=date(year, 1, 1), joined_on__lt=date(year + 1, 1, 1)
            )
        if query := data.get("q"):
            queryset = queryset.filter(search_q(query))
        return queryset.order_by(*SORTS[data.get("sort") or DEFAULT_SORT])

    @staticmethod
    def _status_q(status: str) -> Q:
        if status == ALL_STATUSES:
            return Q()
        if status:
            return Q(status=status)
        return Q(status__in=IN_GOOD_STANDING)

    @staticmethod
    def _organization_q(organization: Organization) -> Q:
        if organization.org_type == OrgType.GROUP:
            return Q(party_group=organization)
        return Q(organization__path__startswith=organization.path)

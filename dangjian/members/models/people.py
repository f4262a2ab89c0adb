"""Person (every employee) and Member (a person's party membership)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangjian.core.crypto import EncryptedTextField
from dangjian.core.scope import ScopedQuerySet
from dangjian.core.uploads import private_upload_path
from dangjian.members.models.choices import (
    ETHNICITY_CHOICES,
    HAN,
    Category,
    Degree,
    Education,
    EducationMode,
    Employment,
    Gender,
    Occupation,
    SkillLevel,
    Status,
    TitleLevel,
)


def _own(lookup: str, user) -> Q | None:
    """A user linked to a person (`User.person`) sees that person's record, matched by the id
    held on the user row, so the scope needs no join to the accounts table."""
    person_id = getattr(user, "person_id", None)
    return Q(**{lookup: person_id}) if person_id else None


class Person(models.Model):
    """Every employee, party member or not.

    The ID number, mobile and address are encrypted at rest; `id_number_hash` and
    `mobile_hash` (keyed HMAC, `core.crypto.lookup_hash`) find a person by the exact full value.
    `pinyin_key` holds the name's search tokens (full pinyin and initials for every reading of
    every character, e.g. " shanxiaoming sxm danxiaoming dxm …"), written by the services.

    `organization` is the party organisation responsible for the record: the branch holding the
    membership for a member, the organisation owning the person's unit otherwise. It is the scope
    of the record (DESIGN §4) and is kept equal to `membership.organization` by the services.
    """

    Employment = Employment  # kept for existing references: Person.Employment.RETIRED

    name = models.CharField(_("姓名"), max_length=50, db_index=True)
    pinyin_key = models.TextField(_("拼音检索"), blank=True, default="", editable=False)
    gender = models.CharField(_("性别"), max_length=6, choices=Gender.choices)
    ethnicity = models.CharField(_("民族"), max_length=2, choices=ETHNICITY_CHOICES, default=HAN)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    id_number = EncryptedTextField(_("公民身份号码"), blank=True, default="")
    id_number_hash = models.CharField(max_length=64, blank=True, default="", db_index=True)
    native_place = models.CharField(_("籍贯"), max_length=50, blank=True)
    work_number = models.CharField(_("工号"), max_length=30, unique=True, null=True, blank=True)
    education = models.CharField(_("学历"), max_length=25, choices=Education.choices, blank=True)
    degree = models.CharField(_("学位"), max_length=10, choices=Degree.choices, blank=True)
    education_mode = models.CharField(
        _("教育类别"), max_length=12, choices=EducationMode.choices, blank=True
    )
    school = models.CharField(_("毕业院校"), max_length=100, blank=True)
    major = models.CharField(_("所学专业"), max_length=100, blank=True)
    organization = models.ForeignKey(
        "orgs.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
        verbose_name=_("管理党组织"),
    )
    unit = models.ForeignKey(
        "orgs.Unit",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="people",
        verbose_name=_("行政单位"),
    )
    post = models.CharField(_("岗位"), max_length=50, blank=True)
    occupation = models.CharField(
        _("职业类别"), max_length=15, choices=Occupation.choices, blank=True
    )
    title_level = models.CharField(
        _("职称级别"), max_length=20, choices=TitleLevel.choices, blank=True
    )
    title = models.CharField(_("职称"), max_length=50, blank=True)
    skill_level = models.CharField(
        _("技能等级"), max_length=20, choices=SkillLevel.choices, blank=True
    )
    mobile = EncryptedTextField(_("手机号"), blank=True, default="")
    mobile_hash = models.CharField(max_length=64, blank=True, default="", db_index=True)
    address = EncryptedTextField(_("家庭住址"), blank=True, default="")
    photo = models.FileField(_("照片"), upload_to=private_upload_path, blank=True, max_length=200)
    employment = models.CharField(
        _("在岗状态"), max_length=20, choices=Employment.choices, default=Employment.ACTIVE
    )
    retired_on = models.DateField(_("退休日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_path = "organization__path"
    scope_owner = staticmethod(lambda user: _own("pk", user))
    scope_owner_permissions = frozenset({"members.view_member"})

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        indexes = [models.Index(fields=["organization", "name"])]

    def __str__(self):
        return self.name


class Member(models.Model):
    """A person's party membership.

    `organization` is the organisation that holds the membership (组织关系): a 党支部 (or 联合/
    临时党支部), or in rare cases (机关) a 党委 or 党总支 — never a 党小组. A 党小组 is a
    subdivision of the branch where the member takes part in group life; `party_group` records
    which one, and when set it is a 党小组 directly under `organization` (《中国共产党支部工作条例
    （试行）》). Transfers, dues and meeting quorums follow `organization`.

    党龄 counts from `full_member_on` (domain §1.2 PARTY_AGE), never from `joined_on`; the
    预备期 ends `members.probation_months` after `joined_on` (the 支部大会 date).
    """

    Category = Category
    Status = Status

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="membership")
    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name=_("所在党组织"),
    )
    party_group = models.ForeignKey(
        "orgs.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="group_members",
        verbose_name=_("所在党小组"),
    )
    category = models.CharField(_("党员类别"), max_length=15, choices=Category.choices)
    status = models.CharField(
        _("党籍状态"), max_length=20, choices=Status.choices, default=Status.NORMAL
    )
    status_changed_on = models.DateField(_("党籍状态变更日期"), null=True, blank=True)
    joined_on = models.DateField(_("入党日期"), null=True, blank=True)
    full_member_on = models.DateField(_("转正日期"), null=True, blank=True)
    is_floating = models.BooleanField(_("流动党员"), default=False)
    floating_since = models.DateField(_("外出流动日期"), null=True, blank=True)
    floating_destination = models.CharField(_("流动去向"), max_length=100, blank=True)
    is_lost_contact = models.BooleanField(_("失去联系"), default=False)
    lost_contact_since = models.DateField(_("失联日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_path = "organization__path"
    scope_owner = staticmethod(lambda user: _own("person_id", user))
    scope_owner_permissions = frozenset({"members.view_member"})

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("党员")
        verbose_name_plural = _("党员")
        indexes = [
            models.Index(fields=["organization", "status", "category"]),
            models.Index(fields=["status", "joined_on"]),
        ]

    def __str__(self):
        return str(self.person)

"""People and party members.

The foundation needs only what the organisation tree and its warnings rely on (who belongs to
which branch, who is a full member, who holds a committee post); the member-records issue extends
these models with the full personal and party record.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from dangjian.core.crypto import EncryptedTextField
from dangjian.core.scope import ScopedQuerySet


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class Person(models.Model):
    """Every employee, party member or not."""

    class Employment(models.TextChoices):
        ACTIVE = "active", _("在岗")
        RETIRED = "retired", _("离退休")
        INTERNAL_RETIRED = "internal_retired", _("内退")
        TRANSFERRED = "transferred", _("调出")

    name = models.CharField(_("姓名"), max_length=50, db_index=True)
    gender = models.CharField(_("性别"), max_length=6, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    work_number = models.CharField(_("工号"), max_length=30, unique=True, null=True, blank=True)
    mobile = EncryptedTextField(_("手机号"), blank=True, default="")
    unit = models.ForeignKey(
        "orgs.Unit",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="people",
        verbose_name=_("行政单位"),
    )
    post = models.CharField(_("岗位"), max_length=50, blank=True)
    employment = models.CharField(
        _("在岗状态"), max_length=20, choices=Employment.choices, default=Employment.ACTIVE
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")

    def __str__(self):
        return self.name


class Member(models.Model):
    """A person's party membership.

    `organization` is the organisation that holds the membership (组织关系): a 党支部 (or 联合/
    临时党支部), or in rare cases (机关) a 党委 or 党总支 — never a 党小组. A 党小组 is a
    subdivision of the branch where the member takes part in group life; `party_group` records
    which one, and when set it is a 党小组 directly under `organization` (《中国共产党支部工作条例
    （试行）》). Transfers, dues and meeting quorums follow `organization`.
    """

    class Category(models.TextChoices):
        FULL = "full", _("正式党员")
        PROBATIONARY = "probationary", _("预备党员")

    class Status(models.TextChoices):
        NORMAL = "normal", _("正常")
        SUSPENDED = "suspended", _("停止党籍")
        RESTORED = "restored", _("恢复党籍")
        LEFT = "left", _("出党")
        DECEASED = "deceased", _("死亡")
        TRANSFERRED_OUT = "transferred_out", _("转出")

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
    joined_on = models.DateField(_("入党日期"), null=True, blank=True)
    full_member_on = models.DateField(_("转正日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_path = "organization__path"
    scope_owner = "person__user"
    scope_owner_permissions = frozenset({"members.view_member"})

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("党员")
        verbose_name_plural = _("党员")
        indexes = [models.Index(fields=["organization", "status", "category"])]

    def __str__(self):
        return str(self.person)

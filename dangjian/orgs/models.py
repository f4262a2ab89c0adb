from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from dangjian.core.scope import ScopedQuerySet


class OrgType(models.TextChoices):
    COMMITTEE = "committee", _("党委")
    GENERAL_BRANCH = "general_branch", _("党总支")
    BRANCH = "branch", _("党支部")
    JOINT_BRANCH = "joint_branch", _("联合党支部")
    TEMPORARY_BRANCH = "temporary_branch", _("临时党支部")
    GROUP = "group", _("党小组")


BRANCH_TYPES = (OrgType.BRANCH, OrgType.JOINT_BRANCH, OrgType.TEMPORARY_BRANCH)


class OrganizationQuerySet(MP_NodeQuerySet, ScopedQuerySet):
    def active(self):
        return self.filter(is_active=True)


class OrganizationManager(MP_NodeManager):
    def get_queryset(self):
        return OrganizationQuerySet(self.model).order_by("path")

    def visible_to(self, user, permission):
        return self.get_queryset().visible_to(user, permission)


class Organization(MP_Node):
    """A party organisation: 党委, 党总支, 党支部 or 党小组, one node of the single tree.

    The materialised path (treebeard, 4 characters a level) makes "the subtree of X" an anchored
    prefix match, which is how every data scope in the platform is computed.
    """

    steplen = 4

    org_type = models.CharField(_("组织类型"), max_length=20, choices=OrgType.choices)
    name = models.CharField(_("全称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=50, blank=True)
    code = models.CharField(
        _("组织代码"),
        max_length=30,
        unique=True,
        error_messages={"unique": _("组织代码已存在")},
    )
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    units = models.ManyToManyField(
        "orgs.Unit", verbose_name=_("覆盖的行政单位"), blank=True, related_name="organizations"
    )
    is_active = models.BooleanField(_("有效"), default=True)
    dissolved_on = models.DateField(_("撤销日期"), null=True, blank=True)
    # Summary counts maintained by the services that change membership (members app).
    member_count = models.PositiveIntegerField(_("党员数"), default=0)
    full_member_count = models.PositiveIntegerField(_("正式党员数"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_path = "path"

    objects = OrganizationManager()

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        indexes = [
            models.Index(fields=["org_type", "is_active"]),
            # A node's children are `depth = d + 1 AND path BETWEEN …`: with depth first the
            # index reads only the children, not the whole subtree the path range spans.
            models.Index(fields=["depth", "path"], name="orgs_org_depth_path"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("orgs:detail", args=[self.pk])

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    @property
    def is_branch(self) -> bool:
        return self.org_type in BRANCH_TYPES


class Unit(models.Model):
    """An administrative unit of the enterprise (区队, 科室) that people belong to."""

    class Kind(models.TextChoices):
        TEAM = "team", _("区队")
        OFFICE = "office", _("科室")
        WORKSHOP = "workshop", _("车间")
        COMPANY = "company", _("单位")

    name = models.CharField(_("名称"), max_length=100)
    code = models.CharField(_("代码"), max_length=30, unique=True)
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices, default=Kind.TEAM)
    # The top organisation (usually a mine's 党委) whose enterprise the unit belongs to.
    owner = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="owned_units", verbose_name=_("所属")
    )
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("有效"), default=True)

    scope_path = "owner__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("行政单位")
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name


class Committee(models.Model):
    """A term (届) of an organisation's committee (班子)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="committees", verbose_name=_("党组织")
    )
    term_number = models.PositiveSmallIntegerField(_("届次"), default=1)
    term_start = models.DateField(_("任期开始"))
    term_end = models.DateField(_("任期届满"))
    elected_on = models.DateField(_("选举日期"), null=True, blank=True)
    is_current = models.BooleanField(_("现任"), default=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path = "organization__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("班子")
        ordering = ["organization__path", "-term_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=models.Q(is_current=True),
                name="one_current_committee",
            ),
            models.CheckConstraint(
                condition=models.Q(term_end__gt=models.F("term_start")), name="term_end_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.organization} 第{self.term_number}届"


class CommitteePost(models.Model):
    """A post on a committee (书记, 副书记, 组织委员 …) held by a person."""

    class Post(models.TextChoices):
        SECRETARY = "secretary", _("书记")
        DEPUTY_SECRETARY = "deputy_secretary", _("副书记")
        ORGANIZATION = "organization", _("组织委员")
        PROPAGANDA = "propaganda", _("宣传委员")
        DISCIPLINE = "discipline", _("纪检委员")
        YOUTH = "youth", _("青年委员")
        WOMEN = "women", _("妇女委员")
        MEMBER = "member", _("委员")
        GROUP_LEADER = "group_leader", _("党小组组长")

    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="posts")
    post = models.CharField(_("职务"), max_length=20, choices=Post.choices)
    person = models.ForeignKey(
        "members.Person",
        on_delete=models.PROTECT,
        related_name="committee_posts",
        verbose_name=_("人员"),
    )
    started_on = models.DateField(_("任职日期"), null=True, blank=True)
    ended_on = models.DateField(_("离任日期"), null=True, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("班子职务")
        ordering = ["sort_order", "id"]

    def __str__(self):
        return f"{self.get_post_display()} {self.person}"


class OrgHistory(models.Model):
    """Lineage of the tree: renames, moves, merges and dissolutions, shown on the org page."""

    class Event(models.TextChoices):
        CREATED = "created", _("成立")
        RENAMED = "renamed", _("更名")
        MOVED = "moved", _("调整隶属关系")
        MERGED_INTO = "merged_into", _("并入")
        ABSORBED = "absorbed", _("合并")
        DISSOLVED = "dissolved", _("撤销")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="history")
    event = models.CharField(max_length=20, choices=Event.choices)
    detail = models.CharField(max_length=300, blank=True)
    other = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.organization_id} {self.event}"

"""The portal (首页系统, 信息交流): sites, their columns, articles and the review trail, media,
the downloads library and the home-page blocks.

A *site* (站点) belongs to one publishing organisation — the group, a 二级党委, a mine. Its
columns (栏目) hold articles; an article goes draft → submitted → reviewed (审核, with the
保密审查 where the column asks for it) → approved (审批) → published, or back to the author
with a reason from any review step (domain §8.4: 提出 → 审核 → 审批 → 实施; never published
without approval where the column needs review).

Who may *read* a published item is its visibility (`Visibility`): anyone (向社会公开), every
logged-in user (党内公开), or the members and officers of chosen organisations' subtrees. The
test is `portal.visibility.readable(...)`; every list, page, search hit, attachment, media file
and API answer goes through it, and an item outside it is a 404.

Who may *write, review, approve or manage* is the ordinary scope engine over the site's
organisation (`portal.permissions`).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.core.models import StoredFile, TimeStampedModel
from dangjian.core.scope import ScopedQuerySet


class Visibility(models.TextChoices):
    PUBLIC = "public", _("向社会公开（无需登录）")
    MEMBERS = "members", _("党内公开（所有登录用户）")
    ORGANIZATIONS = "orgs", _("指定组织（所选组织及其下级）")


class Site(TimeStampedModel):
    """A publishing organisation's sub-site. The root organisation's site is the platform's
    front page at `/`; the others live at `/s/<code>/`."""

    organization = models.OneToOneField(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="portal_site",
        verbose_name=_("所属组织"),
    )
    name = models.CharField(_("站点名称"), max_length=100)
    code = models.SlugField(_("站点代码"), max_length=40, unique=True)
    slogan = models.CharField(_("标语"), max_length=100, blank=True)
    show_parent_items = models.BooleanField(
        _("显示上级站点的内容"),
        default=True,
        help_text=_("栏目设置了“继承上级栏目”时，同时列出上级站点该栏目中本站读者可见的文章。"),
    )
    is_active = models.BooleanField(_("启用"), default=True)

    scope_path = "organization__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("站点")
        verbose_name_plural = _("站点")
        ordering = ["organization__path"]

    def __str__(self):
        return self.name


class Column(models.Model):
    """A 栏目. Columns form a shallow tree inside a site (舆论宣传 → 新闻动态 …)."""

    class Kind(models.TextChoices):
        ARTICLES = "articles", _("文章列表")
        PICTURES = "pictures", _("图片新闻")
        VIDEOS = "videos", _("视频")
        DISCLOSURE = "disclosure", _("党务公开")
        DOWNLOADS = "downloads", _("下载专区")

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="columns")
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
        verbose_name=_("上级栏目"),
    )
    name = models.CharField(_("栏目名称"), max_length=50)
    slug = models.SlugField(_("栏目代码"), max_length=40)
    kind = models.CharField(
        _("栏目类型"), max_length=12, choices=Kind.choices, default=Kind.ARTICLES
    )
    description = models.CharField(_("栏目说明"), max_length=200, blank=True)
    order = models.PositiveIntegerField(_("排序"), default=0)
    needs_review = models.BooleanField(
        _("发布前需审核审批"),
        default=True,
        help_text=_("关闭后，有发布权限的人保存即可发布；党务公开、企业信息公开栏目必须审核。"),
    )
    needs_secrecy_review = models.BooleanField(
        _("审核时须做保密审查"),
        default=False,
        help_text=_("党务公开、企业信息公开栏目审核时必须勾选“已通过保密审查”。"),
    )
    default_visibility = models.CharField(
        _("默认公开范围"), max_length=8, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    publishers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        verbose_name=_("可投稿人员"),
        help_text=_("留空：本站所有有撰稿权限的人员都可向本栏目投稿。"),
    )
    inherit_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inheritors",
        verbose_name=_("继承上级栏目"),
        help_text=_("同时列出上级站点这个栏目里本站读者可见的文章（如集团的通知公告）。"),
    )
    show_in_nav = models.BooleanField(_("显示在站点导航"), default=True)
    is_active = models.BooleanField(_("启用"), default=True)

    scope_path = "site__organization__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("栏目")
        verbose_name_plural = _("栏目")
        ordering = ["site", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["site", "slug"], name="portal_column_slug_per_site"),
        ]

    def __str__(self):
        return self.name


class Tag(models.Model):
    name = models.CharField(_("标签"), max_length=30, unique=True)

    class Meta:
        verbose_name = _("标签")
        ordering = ["name"]

    def __str__(self):
        return self.name


class MediaAsset(StoredFile):
    """A picture or a video uploaded to a site (article bodies, covers, the carousel). Pictures
    get renditions (`renditions`: width → stored name) on upload; a media file is served only
    to someone who may read an item using it, or who may write on its site. The URL carries
    the random `key`, never the row id."""

    class Kind(models.TextChoices):
        IMAGE = "image", _("图片")
        VIDEO = "video", _("视频")

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="media")
    kind = models.CharField(_("类型"), max_length=5, choices=Kind.choices)
    alt = models.CharField(_("说明文字"), max_length=200, blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    duration_seconds = models.PositiveIntegerField(default=0)
    renditions = models.JSONField(default=dict, blank=True)
    poster = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    scope_path = "site__organization__path"
    objects = ScopedQuerySet.as_manager()

    class Meta(StoredFile.Meta):
        verbose_name = _("图片与视频")


class Article(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待审核")
        REVIEWED = "reviewed", _("待审批")
        APPROVED = "approved", _("待发布")
        PUBLISHED = "published", _("已发布")
        RETURNED = "returned", _("已退回")
        WITHDRAWN = "withdrawn", _("已撤稿")

    Visibility = Visibility

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="articles")
    column = models.ForeignKey(
        Column, on_delete=models.PROTECT, related_name="articles", verbose_name=_("栏目")
    )
    title = models.CharField(_("标题"), max_length=200)
    subtitle = models.CharField(_("副标题"), max_length=200, blank=True)
    source = models.CharField(_("来源"), max_length=100, blank=True)
    author = models.CharField(_("作者"), max_length=100, blank=True)
    cover = models.ForeignKey(
        MediaAsset,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("封面图"),
    )
    summary = models.CharField(_("摘要"), max_length=500, blank=True)
    body = models.TextField(_("正文"), blank=True)  # sanitised on save (core.richtext)
    body_text = models.TextField(blank=True)  # plain text of `body`: summaries and search
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles", verbose_name=_("标签"))
    media = models.ManyToManyField(MediaAsset, blank=True, related_name="articles")

    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    visibility = models.CharField(
        _("公开范围"), max_length=8, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    audience = models.ManyToManyField(
        "orgs.Organization",
        blank=True,
        related_name="+",
        verbose_name=_("可见组织"),
    )
    secrecy_checked = models.BooleanField(_("已通过保密审查"), default=False)
    pinned_until = models.DateTimeField(_("置顶至"), null=True, blank=True)
    publish_at = models.DateTimeField(_("定时发布"), null=True, blank=True)
    expire_at = models.DateTimeField(_("下线时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    view_count = models.PositiveIntegerField(_("浏览次数"), default=0)
    revision_number = models.PositiveIntegerField(default=0)
    return_reason = models.CharField(_("退回原因"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("撰稿人"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    scope_path = "site__organization__path"
    scope_owner = "created_by"
    scope_owner_permissions = frozenset({"portal.write_article"})
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("文章")
        verbose_name_plural = _("文章")
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["column", "status", "published_at"]),
            models.Index(fields=["site", "status", "published_at"]),
            models.Index(fields=["status", "publish_at"]),
            models.Index(fields=["status", "expire_at"]),
        ]

    def __str__(self):
        return self.title

    @property
    def is_pinned(self) -> bool:
        return bool(self.pinned_until and self.pinned_until > timezone.now())

    @property
    def is_live(self) -> bool:
        now = timezone.now()
        return self.status == self.Status.PUBLISHED and (
            self.expire_at is None or self.expire_at > now
        )


class ArticleRevision(models.Model):
    """A saved version of an article's text; restoring one writes a new revision."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("版本"))
    title = models.CharField(max_length=200)
    subtitle = models.CharField(max_length=200, blank=True)
    summary = models.CharField(max_length=500, blank=True)
    body = models.TextField(blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("文章版本")
        ordering = ["article", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="portal_revision_number"),
        ]

    def __str__(self):
        return f"{self.title}（第 {self.number} 版）"


class ArticleAction(models.Model):
    """One step of the review trail (三审): who did what, when, with what note. Never edited."""

    class Kind(models.TextChoices):
        SUBMIT = "submit", _("提交审核")
        REVIEW = "review", _("审核通过")
        APPROVE = "approve", _("审批通过")
        PUBLISH = "publish", _("发布")
        RETURN = "return", _("退回修改")
        WITHDRAW = "withdraw", _("撤稿")
        RESTORE = "restore", _("恢复版本")

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    from_status = models.CharField(max_length=10, choices=Article.Status.choices)
    to_status = models.CharField(max_length=10, choices=Article.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=50, blank=True)  # kept if the account goes
    note = models.CharField(_("意见"), max_length=500, blank=True)
    secrecy_checked = models.BooleanField(default=False)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("审核记录")
        ordering = ["article", "at", "id"]

    def __str__(self):
        return f"{self.actor_name} {self.get_kind_display()}"


class ArticleAttachment(StoredFile):
    """A file attached to an article; its text is extracted by a task for the search index."""

    class TextStatus(models.TextChoices):
        PENDING = "pending", _("待提取")
        DONE = "done", _("已提取")
        EMPTY = "empty", _("无文字")
        FAILED = "failed", _("提取失败")

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="attachments")
    order = models.PositiveIntegerField(default=0)
    text = models.TextField(blank=True)
    text_status = models.CharField(
        max_length=8, choices=TextStatus.choices, default=TextStatus.PENDING
    )
    download_count = models.PositiveIntegerField(default=0)

    class Meta(StoredFile.Meta):
        verbose_name = _("文章附件")
        ordering = ["article", "order", "id"]


class DownloadFolder(models.Model):
    """A folder of the downloads library (下载专区 / 其他共享信息)."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="download_folders")
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
        verbose_name=_("上级文件夹"),
    )
    name = models.CharField(_("文件夹名称"), max_length=100)
    order = models.PositiveIntegerField(_("排序"), default=0)
    visibility = models.CharField(
        _("公开范围"), max_length=8, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    audience = models.ManyToManyField(
        "orgs.Organization", blank=True, related_name="+", verbose_name=_("可见组织")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path = "site__organization__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("下载文件夹")
        ordering = ["site", "order", "name"]

    def __str__(self):
        return self.name


class DownloadItem(TimeStampedModel):
    """A document in the library; each upload of a new file is a new version."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="downloads")
    folder = models.ForeignKey(
        DownloadFolder,
        on_delete=models.PROTECT,
        related_name="items",
        verbose_name=_("文件夹"),
    )
    title = models.CharField(_("名称"), max_length=200)
    description = models.CharField(_("说明"), max_length=500, blank=True)
    visibility = models.CharField(
        _("公开范围"), max_length=8, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    audience = models.ManyToManyField(
        "orgs.Organization", blank=True, related_name="+", verbose_name=_("可见组织")
    )
    current_version = models.ForeignKey(
        "DownloadVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    download_count = models.PositiveIntegerField(_("下载次数"), default=0)
    is_active = models.BooleanField(_("有效"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    scope_path = "site__organization__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("下载资料")
        ordering = ["folder", "-updated_at", "-id"]

    def __str__(self):
        return self.title


class DownloadVersion(StoredFile):
    item = models.ForeignKey(DownloadItem, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    note = models.CharField(_("更新说明"), max_length=200, blank=True)
    text = models.TextField(blank=True)  # extracted for search, like attachments

    class Meta(StoredFile.Meta):
        verbose_name = _("资料版本")
        ordering = ["item", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="portal_download_version"),
        ]


class HomeBlock(models.Model):
    """One block of a site's home page, arranged by the site's administrator."""

    class Kind(models.TextChoices):
        CAROUSEL = "carousel", _("图片新闻轮播")
        NOTICES = "notices", _("通知公告")
        COLUMN = "column", _("栏目文章列表")
        QUICK_ENTRIES = "entries", _("系统快捷入口")
        TODO = "todo", _("我的待办")
        STATISTICS = "stats", _("统计数据")
        LINKS = "links", _("友情链接")
        DOWNLOADS = "downloads", _("最新下载")

    class Width(models.TextChoices):
        FULL = "full", _("整行")
        TWO_THIRDS = "2/3", _("三分之二")
        HALF = "half", _("半行")
        THIRD = "1/3", _("三分之一")

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="blocks")
    kind = models.CharField(_("区块类型"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=50)
    column = models.ForeignKey(
        Column,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("栏目"),
    )
    size = models.PositiveSmallIntegerField(_("条数"), default=8)
    width = models.CharField(_("宽度"), max_length=4, choices=Width.choices, default=Width.HALF)
    order = models.PositiveIntegerField(_("排序"), default=0)
    config = models.JSONField(default=dict, blank=True)  # links: [{"name", "url"}]
    is_active = models.BooleanField(_("显示"), default=True)

    class Meta:
        verbose_name = _("首页区块")
        ordering = ["site", "order", "id"]

    def __str__(self):
        return self.title

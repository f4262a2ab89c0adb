"""公文: outgoing documents (发文), their distribution (one `Receipt` per recipient), and the
receiving side (收文: sign, register, circulate, handle, reply), domain §8.1–8.3.

    IssuerPrefix      an organisation's 机关代字 and header (发文机关标志):
                      "一矿党", "中共一矿委员会文件"
    NumberSequence    the last number used per (organisation, prefix, year); rows are locked to
                      give the next number (never repeated, never skipped)
    Document          a 发文 from draft to issue; counters kept in the row (summary columns)
    DocumentAddress   who it is addressed to, as written (主送/抄送: org, org subtree, person)
    Receipt           one copy received: by an organisation or a person; also a paper document
                      registered by hand (document is null)
    Circulation       传阅 of a receipt to a named person, who marks it read and may write 批示
    Handling          承办: 主办/协办 with a deadline
    Reply             回执/反馈 (text + files), when the document asks for one
    Chase             催办: by hand or by the sweeps (dedupe per receipt, kind and day)
    DocumentFile      a file of a document (正文 or 附件), of a receipt (paper scan) or of a reply

The platform refuses 秘密/机密/绝密 content (§8.3): `Classification` holds only 非密 and 内部,
and a paper document of a higher 密级 is registered without any file (`PaperClassification`).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangjian.core.models import StoredFile
from dangjian.core.scope import ScopedQuerySet


class DocType(models.TextChoices):
    """The 15 types of 《党政机关公文处理工作条例》第八条 (domain §8.1)."""

    RESOLUTION = "jueyi", _("决议")
    DECISION = "jueding", _("决定")
    ORDER = "mingling", _("命令（令）")
    COMMUNIQUE = "gongbao", _("公报")
    ANNOUNCEMENT = "gonggao", _("公告")
    PUBLIC_NOTICE = "tonggao", _("通告")
    OPINION = "yijian", _("意见")
    NOTICE = "tongzhi", _("通知")
    BULLETIN = "tongbao", _("通报")
    REPORT = "baogao", _("报告")
    REQUEST = "qingshi", _("请示")
    REPLY = "pifu", _("批复")
    MOTION = "yian", _("议案")
    LETTER = "han", _("函")
    MINUTES = "jiyao", _("纪要")


# 上行文: must show the 签发人 (domain §8.1).
UPWARD_TYPES = frozenset({DocType.REPORT, DocType.REQUEST})


class Urgency(models.TextChoices):
    EXTRA = "extra", _("特急")
    URGENT = "urgent", _("加急")
    NORMAL = "normal", _("平件")


class Classification(models.TextChoices):
    """What the platform may hold (domain §8.3): never 秘密, 机密 or 绝密."""

    NONE = "none", _("非密")
    INTERNAL = "internal", _("内部")


class PaperClassification(models.TextChoices):
    """A paper document registered by hand may carry any 密级; above 内部 it has no file."""

    NONE = "none", _("非密")
    INTERNAL = "internal", _("内部")
    SECRET = "secret", _("秘密")
    CONFIDENTIAL = "confidential", _("机密")
    TOP_SECRET = "top_secret", _("绝密")


REFUSED_CLASSIFICATIONS = frozenset(
    {PaperClassification.SECRET, PaperClassification.CONFIDENTIAL, PaperClassification.TOP_SECRET}
)


class IssuerPrefix(models.Model):
    """An organisation's 机关代字 (the part before 〔年份〕) and its 发文机关标志."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="document_prefixes"
    )
    code = models.CharField(_("机关代字"), max_length=20)
    header = models.CharField(_("发文机关标志"), max_length=60)
    is_default = models.BooleanField(_("默认"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path = "organization__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("机关代字")
        ordering = ["organization", "-is_default", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="documents_prefix_unique")
        ]

    def __str__(self):
        return self.code


class NumberSequence(models.Model):
    """The last serial given for (organisation, prefix, year). `documents.numbering` locks the
    row in the issuing transaction, so a rolled-back issue gives its number back."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="+"
    )
    prefix = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "prefix", "year"], name="documents_sequence_unique"
            )
        ]

    def __str__(self):
        return f"{self.prefix}〔{self.year}〕{self.last}"


class Document(models.Model):
    """A 发文 of an issuing organisation: draft → 核稿 → 签发 → 发文 (number and distribution)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        REVIEWING = "reviewing", _("待核稿")
        SIGNING = "signing", _("待签发")
        SIGNED = "signed", _("待发文")
        ISSUED = "issued", _("已发文")
        WITHDRAWN = "withdrawn", _("已撤回")

    issuer = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="documents_issued"
    )
    doc_type = models.CharField(_("文种"), max_length=10, choices=DocType.choices)
    prefix = models.ForeignKey(
        IssuerPrefix, on_delete=models.PROTECT, related_name="documents", verbose_name=_("机关代字")
    )
    year = models.PositiveSmallIntegerField(_("年份"), null=True, blank=True)
    serial = models.PositiveIntegerField(_("序号"), null=True, blank=True)
    number = models.CharField(_("发文字号"), max_length=60, blank=True, db_index=True)
    title = models.CharField(_("标题"), max_length=200)
    urgency = models.CharField(
        _("紧急程度"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL
    )
    classification = models.CharField(
        _("密级"), max_length=10, choices=Classification.choices, default=Classification.NONE
    )
    body_html = models.TextField(_("正文"), blank=True)  # sanitised (core.richtext) on save
    attachment_note = models.CharField(_("附件说明"), max_length=500, blank=True)
    remark = models.CharField(_("附注"), max_length=200, blank=True)  # e.g. （此件发至党支部）
    signatory = models.CharField(_("发文机关署名"), max_length=100, blank=True)
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("签发人"),
    )
    signer_name = models.CharField(_("签发人"), max_length=50, blank=True)
    dated = models.DateField(_("成文日期"), null=True, blank=True)  # the day it was signed off
    printer = models.CharField(_("印发机关"), max_length=100, blank=True)
    reply_required = models.BooleanField(_("需要回复"), default=False)
    deadline = models.DateField(_("办理期限"), null=True, blank=True)
    in_reply_to = models.ForeignKey(
        "Receipt",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replies_issued",
        verbose_name=_("所批复的请示"),
    )
    corrects = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
        verbose_name=_("更正的公文"),
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    return_reason = models.CharField(_("退回理由"), max_length=500, blank=True)
    withdraw_reason = models.CharField(_("撤回理由"), max_length=500, blank=True)

    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("拟稿人"),
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    issued_at = models.DateTimeField(_("发文时间"), null=True, blank=True, db_index=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    # Summary columns, kept by the receipt services with F() updates: the sender's table and
    # the register never count receipts row by row.
    recipient_count = models.PositiveIntegerField(_("收文单位数"), default=0)
    signed_count = models.PositiveIntegerField(_("已签收"), default=0)
    read_count = models.PositiveIntegerField(_("已阅"), default=0)
    replied_count = models.PositiveIntegerField(_("已回复"), default=0)
    returned_count = models.PositiveIntegerField(_("已退回"), default=0)

    scope_path = "issuer__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("发文")
        ordering = ["-issued_at", "-created_at", "-id"]
        indexes = [models.Index(fields=["issuer", "status", "-issued_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "prefix", "year", "serial"],
                condition=models.Q(serial__isnull=False),
                name="documents_number_unique",
            )
        ]

    def __str__(self):
        return self.number or self.title

    @property
    def is_upward(self) -> bool:
        return self.doc_type in UPWARD_TYPES


class DocumentAddress(models.Model):
    """One line of the distribution as written: 主送 or 抄送, to an organisation, an
    organisation's whole subtree (optionally only one organisation type), or a person."""

    class Role(models.TextChoices):
        MAIN = "main", _("主送")
        COPY = "copy", _("抄送")

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="addresses")
    role = models.CharField(_("类别"), max_length=4, choices=Role.choices, default=Role.MAIN)
    organization = models.ForeignKey(
        "orgs.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    include_subtree = models.BooleanField(_("含下级组织"), default=False)
    org_type = models.CharField(_("只发给此类组织"), max_length=20, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["document", "role", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(organization__isnull=False) ^ models.Q(user__isnull=False),
                name="documents_address_one_target",
            )
        ]

    def __str__(self):
        return f"{self.get_role_display()} {self.organization or self.user}"


class Receipt(models.Model):
    """One received copy (收文): of an issued document, for a recipient organisation or a
    person; or a paper document registered by hand (`document` null, `is_paper`).

    The list fields (title, number, 文种, source, urgency, deadline) are copied from the document
    at dispatch so an inbox of thousands pages without a join."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("待签收")
        SIGNED = "signed", _("已签收")
        REGISTERED = "registered", _("已登记")
        RETURNED = "returned", _("已退回")
        CIRCULATING = "circulating", _("传阅中")
        HANDLING = "handling", _("办理中")
        REPLIED = "replied", _("已回复")
        ARCHIVED = "archived", _("已办结")
        CANCELLED = "cancelled", _("已撤回")  # the sender withdrew the document

    document = models.ForeignKey(
        Document, null=True, blank=True, on_delete=models.CASCADE, related_name="receipts"
    )
    organization = models.ForeignKey(
        "orgs.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="document_receipts",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="document_receipts",
    )
    role = models.CharField(
        _("主送/抄送"), max_length=4, choices=DocumentAddress.Role.choices, default="main"
    )
    copy_no = models.PositiveIntegerField(_("份号"), default=0)

    # Copied from the document at dispatch, or typed in for a paper document.
    is_paper = models.BooleanField(_("纸质来文"), default=False)
    doc_type = models.CharField(_("文种"), max_length=10, choices=DocType.choices)
    title = models.CharField(_("标题"), max_length=200)
    number = models.CharField(_("发文字号"), max_length=60, blank=True)
    source_name = models.CharField(_("来文机关"), max_length=100)
    urgency = models.CharField(
        _("紧急程度"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL
    )
    classification = models.CharField(
        _("密级"),
        max_length=12,
        choices=PaperClassification.choices,
        default=PaperClassification.NONE,
    )
    copies = models.PositiveSmallIntegerField(_("份数"), default=1)
    reply_required = models.BooleanField(_("需要回复"), default=False)
    deadline = models.DateField(_("办理期限"), null=True, blank=True)
    sent_at = models.DateTimeField(_("收到时间"), db_index=True)
    sign_due_at = models.DateTimeField(_("签收时限"), null=True, blank=True)

    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.RECEIVED, db_index=True
    )
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    register_no = models.CharField(_("收文编号"), max_length=40, blank=True)
    registered_at = models.DateTimeField(null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    proposal = models.CharField(_("拟办意见"), max_length=500, blank=True)
    read_at = models.DateTimeField(_("首次阅读"), null=True, blank=True)
    replied_at = models.DateTimeField(_("回复时间"), null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    return_reason = models.CharField(_("退回理由"), max_length=500, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    result_note = models.CharField(_("办结说明"), max_length=500, blank=True)
    chase_count = models.PositiveSmallIntegerField(_("催办次数"), default=0)
    last_chased_at = models.DateTimeField(null=True, blank=True)

    scope_path = "organization__path"
    # A copy addressed to a person is that person's own, whatever their roles.
    scope_owner = "user"
    scope_owner_permissions = ("documents.sign_receipt", "documents.view_document")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("收文")
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "status", "-sent_at"]),
            models.Index(fields=["user", "status", "-sent_at"]),
            models.Index(fields=["document", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "organization"],
                condition=models.Q(document__isnull=False, organization__isnull=False),
                name="documents_receipt_org_unique",
            ),
            models.UniqueConstraint(
                fields=["document", "user"],
                condition=models.Q(document__isnull=False, user__isnull=False),
                name="documents_receipt_user_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(organization__isnull=False) ^ models.Q(user__isnull=False),
                name="documents_receipt_one_holder",
            ),
        ]

    def __str__(self):
        return f"{self.number or self.title}"

    @property
    def holder_name(self) -> str:
        if self.organization_id:
            return self.organization.short_name or self.organization.name
        return self.user.display_name


class Circulation(models.Model):
    """传阅: the receipt routed to a named reader, who marks it read and may write 批示."""

    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="circulations")
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="document_circulations"
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    instruction = models.TextField(_("批示"), blank=True)
    instructed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["receipt", "sent_at", "id"]
        indexes = [models.Index(fields=["reader", "read_at"])]
        constraints = [
            models.UniqueConstraint(fields=["receipt", "reader"], name="documents_circulation_once")
        ]

    def __str__(self):
        return f"传阅 {self.reader}"


class Handling(models.Model):
    """承办: the person named to handle a receipt (主办) or to help (协办), with a deadline."""

    class Role(models.TextChoices):
        LEAD = "lead", _("主办")
        ASSIST = "assist", _("协办")

    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="handlings")
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="document_handlings"
    )
    role = models.CharField(_("承办类别"), max_length=6, choices=Role.choices, default=Role.LEAD)
    due_on = models.DateField(_("办理期限"), null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("办理情况"), max_length=500, blank=True)

    class Meta:
        ordering = ["receipt", "role", "id"]
        constraints = [
            models.UniqueConstraint(fields=["receipt", "handler"], name="documents_handling_once")
        ]

    def __str__(self):
        return f"{self.get_role_display()} {self.handler}"


class Reply(models.Model):
    """回执/反馈 of a receipt to the sender: text and files."""

    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="replies")
    text = models.TextField(_("回复内容"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["receipt", "created_at", "id"]

    def __str__(self):
        return f"回复 {self.receipt}"


class Chase(models.Model):
    """催办. Sweeps write one row per (receipt, kind, day) — the constraint makes a repeated
    sweep a no-op; a manual chase is `manual` and is kept each time."""

    class Kind(models.TextChoices):
        MANUAL = "manual", _("手动催办")
        SIGN_OVERDUE = "sign_overdue", _("逾期未签收")
        BEFORE_DEADLINE = "before", _("期限将至")
        AFTER_DEADLINE = "after", _("已逾期")

    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="chases")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    day = models.DateField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["receipt", "kind", "day"],
                condition=~models.Q(kind="manual"),
                name="documents_chase_once_a_day",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.day}"


class DocumentFile(StoredFile):
    """A file of a document (正文 file or 附件), of a paper receipt, or of a reply."""

    class Purpose(models.TextChoices):
        BODY = "body", _("正文")
        ATTACHMENT = "attachment", _("附件")
        SCAN = "scan", _("来文扫描件")
        REPLY = "reply", _("回复附件")

    document = models.ForeignKey(
        Document, null=True, blank=True, on_delete=models.CASCADE, related_name="files"
    )
    receipt = models.ForeignKey(
        Receipt, null=True, blank=True, on_delete=models.CASCADE, related_name="files"
    )
    reply = models.ForeignKey(
        Reply, null=True, blank=True, on_delete=models.CASCADE, related_name="files"
    )
    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta(StoredFile.Meta):
        verbose_name = _("公文文件")
        ordering = ["order", "id"]

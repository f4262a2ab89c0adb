from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One message in a user's in-app inbox; other channels deliver copies of it."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    category = models.CharField(_("类别"), max_length=40, default="system")
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=500, blank=True)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    # Same key, same recipient → the notification is sent once (idempotent sweeps and retries).
    dedupe_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            # The inbox lists a user's notifications newest first.
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="unique_notification_dedupe",
            )
        ]

    def __str__(self):
        return self.title


class Preference(models.Model):
    """Per-user channel choices. The inbox is always on."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_enabled = models.BooleanField(_("邮件通知"), default=False)
    sms_enabled = models.BooleanField(_("短信通知"), default=False)
    daily_digest = models.BooleanField(_("每日汇总"), default=False)
    muted_categories = models.JSONField(_("不接收的类别"), default=list, blank=True)
    last_digest_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"preference of {self.user_id}"


class Delivery(models.Model):
    """A copy of a notification sent through an external channel (e-mail, SMS).

    Either `notification` is set (one message), or `digest_on` (the daily digest e-mail covering
    that day's unread notifications). The unique constraints make creating a delivery twice
    harmless; `attempts` bounds the retries.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("邮件")
        SMS = "sms", _("短信")

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("失败")
        SKIPPED = "skipped", _("未发送")

    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    digest_on = models.DateField(_("汇总日期"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("外部通知投递")
        indexes = [models.Index(fields=["status", "last_attempt_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="unique_delivery_per_channel"
            ),
            models.UniqueConstraint(
                fields=["recipient", "channel", "digest_on"],
                condition=models.Q(digest_on__isnull=False),
                name="unique_digest_per_day",
            ),
        ]

    def __str__(self):
        return f"{self.channel} → {self.recipient_id}: {self.status}"

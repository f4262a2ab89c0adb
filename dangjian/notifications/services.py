"""Writes of the notifications app: `notify` (the one way to tell users something), delivery
over e-mail and SMS with bounded retries, the daily digest, and the inbox's own writes.

    from dangjian.notifications.services import notify
    notify(recipients=[bob], title="请审核入党申请", url=application.get_absolute_url(),
           category="members", obj=application, dedupe_key=f"apply-review:{application.pk}")

Marking one's own notifications read is not audited: it changes no business data and the
`read_at` timestamp is its own record. Preference changes (which channels reach a person) are.
"""

import logging
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from dangjian.audit.services import audit_log
from dangjian.core.exceptions import ServiceError
from dangjian.core.links import safe_local_path
from dangjian.core.tasks import enqueue_on_commit
from dangjian.notifications import categories
from dangjian.notifications.channels import DeliveryError, send_email, send_sms
from dangjian.notifications.models import Delivery, Notification, Preference

logger = logging.getLogger("dangjian.notifications")

MAX_DELIVERY_ATTEMPTS = 4
# A pending delivery not attempted for this long is retried by the `retry_deliveries` sweep.
RETRY_DELAY = timedelta(minutes=5)
RECIPIENT_CHUNK = 500
TASK_CHUNK = 100
SMS_MAX_LENGTH = 140
SUBJECT_PREFIX = "【党建信息平台】"


# ---------------------------------------------------------------------------------------------
# notify


def notify(
    *,
    recipients,
    title: str,
    body: str = "",
    url: str = "",
    category: str = "system",
    obj=None,
    dedupe_key: str = "",
) -> int:
    """Put a notification in each recipient's inbox; deliver copies by e-mail/SMS after commit.

    `recipients`: users, user ids or a user queryset; inactive users are skipped. One INSERT per
    500 recipients. With `dedupe_key`, a repeat call for the same recipient is a no-op (unique
    constraint), so sweeps and retried tasks may call this freely. Returns the number of
    recipients reached.
    """
    title = (title or "").strip()
    if not title:
        raise ServiceError("通知标题不能为空。")
    fields = {
        "category": category,
        "title": title[:200],
        "body": body,
        "url": url or _object_url(obj),
        "object_type": obj._meta.label_lower if obj is not None else "",
        "object_id": str(obj.pk) if obj is not None else "",
        "dedupe_key": dedupe_key[:200],
    }
    reached = 0
    with transaction.atomic():
        for chunk in _chunks(_recipient_ids(recipients), RECIPIENT_CHUNK):
            reached += _notify_chunk(chunk, fields)
    return reached


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _object_url(obj) -> str:
    get_url = getattr(obj, "get_absolute_url", None)
    return get_url() if get_url else ""


def _recipient_ids(recipients) -> list:
    if hasattr(recipients, "values_list"):
        return list(dict.fromkeys(recipients.values_list("pk", flat=True)))
    return list(dict.fromkeys(getattr(user, "pk", user) for user in recipients))


def _notify_chunk(user_ids, fields: dict) -> int:
    users = list(
        get_user_model()
        .objects.filter(pk__in=user_ids, is_active=True)
        .select_related("notification_preference")
    )
    rows = [Notification(recipient=user, **fields) for user in users]
    if fields["dedupe_key"]:
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        rows = list(
            Notification.objects.filter(recipient__in=users, dedupe_key=fields["dedupe_key"]).only(
                "pk", "recipient_id"
            )
        )
    else:
        Notification.objects.bulk_create(rows)
    by_id = {user.pk: user for user in users}
    deliveries = [
        Delivery(notification=row, recipient_id=row.recipient_id, channel=channel)
        for row in rows
        for channel in channels_for(by_id[row.recipient_id], fields["category"])
    ]
    if deliveries:
        Delivery.objects.bulk_create(deliveries, ignore_conflicts=True)
        notification_ids = sorted({delivery.notification_id for delivery in deliveries})
        for ids in _chunks(notification_ids, TASK_CHUNK):
            enqueue_on_commit(_tasks().deliver_notifications, ids)
    return len(users)


def preference_of(user) -> Preference:
    """The user's saved preference, or the defaults (inbox only) when they never chose."""
    try:
        return user.notification_preference
    except ObjectDoesNotExist:
        return Preference(user=user)


def channels_for(user, category: str) -> list[str]:
    """External channels that should carry a notification of `category` to `user` right now."""
    preference = preference_of(user)
    if categories.is_mutable(category) and category in preference.muted_categories:
        return []
    channels = []
    # Digest readers get their e-mail once a day instead (see `digests_dispatch`).
    if preference.email_enabled and not preference.daily_digest and user.email:
        channels.append(Delivery.Channel.EMAIL)
    if preference.sms_enabled and user.mobile:
        channels.append(Delivery.Channel.SMS)
    return channels


def _tasks():
    # Imported late: the task module imports this one.
    from dangjian.notifications import tasks

    return tasks


# ---------------------------------------------------------------------------------------------
# Delivery


def notification_deliveries_send(notification_ids: list[int]) -> None:
    pending = Delivery.objects.filter(
        notification_id__in=notification_ids, status=Delivery.Status.PENDING
    )
    deliveries_send(list(pending.values_list("pk", flat=True)))


def deliveries_send(delivery_ids: list[int]) -> None:
    for delivery_id in delivery_ids:
        delivery_send(delivery_id)


def delivery_send(delivery_id: int) -> str:
    """Attempt one pending delivery; returns its status afterwards. Safe to call twice.

    The attempt is claimed with a conditional UPDATE on `attempts`, so two workers given the
    same delivery never send it at the same time, and a sent delivery is never sent again.
    """
    delivery = (
        Delivery.objects.select_related("recipient", "notification").filter(pk=delivery_id).first()
    )
    if delivery is None:
        return ""
    if delivery.status != Delivery.Status.PENDING or not claim_attempt(delivery):
        return delivery.status
    try:
        status = _dispatch(delivery)
    except Exception as exc:
        if not isinstance(exc, DeliveryError):
            logger.exception("Delivery %s failed unexpectedly", delivery.pk)
        return _record_failure(delivery, str(exc) or exc.__class__.__name__)
    _record_outcome(delivery, status)
    return status


def claim_attempt(delivery: Delivery) -> bool:
    """Take the next attempt of a pending delivery; False if another worker took it first."""
    if delivery.attempts >= MAX_DELIVERY_ATTEMPTS:
        return False
    claimed = Delivery.objects.filter(
        pk=delivery.pk, status=Delivery.Status.PENDING, attempts=delivery.attempts
    ).update(attempts=F("attempts") + 1, last_attempt_at=timezone.now())
    if claimed:
        delivery.attempts += 1
    return bool(claimed)


def _record_outcome(delivery: Delivery, status: str, error: str = "") -> None:
    Delivery.objects.filter(pk=delivery.pk).update(
        status=status,
        error=error[:500],
        sent_at=timezone.now() if status == Delivery.Status.SENT else None,
    )


def _record_failure(delivery: Delivery, error: str) -> str:
    gave_up = delivery.attempts >= MAX_DELIVERY_ATTEMPTS
    status = Delivery.Status.FAILED if gave_up else Delivery.Status.PENDING
    _record_outcome(delivery, status, error)
    return status


def _dispatch(delivery: Delivery) -> str:
    """Send through the channel; returns SENT, or SKIPPED when there is nothing to send."""
    user = delivery.recipient
    if delivery.digest_on:
        return _send_digest(user, delivery.digest_on)
    note = delivery.notification
    if delivery.channel == Delivery.Channel.SMS:
        if not user.mobile:
            return Delivery.Status.SKIPPED
        send_sms(mobile=user.mobile, text=sms_text(note))
        return Delivery.Status.SENT
    if not user.email:
        return Delivery.Status.SKIPPED
    body = render_to_string(
        "notifications/email/notification.txt", {"note": note, "link": absolute_link(note.url)}
    )
    send_email(to=user.email, subject=SUBJECT_PREFIX + note.title, body=body)
    return Delivery.Status.SENT


def sms_text(note: Notification) -> str:
    text = f"{SUBJECT_PREFIX}{note.title}"
    if note.body:
        text += f"：{note.body}"
    return text if len(text) <= SMS_MAX_LENGTH else text[: SMS_MAX_LENGTH - 1] + "…"


def absolute_link(path: str) -> str:
    """A link for e-mail: `SITE_URL` (e.g. https://dangjian.example.cn) + a local path.

    Without `SITE_URL` there is no address a mail client could open, so no link is given.
    """
    site = getattr(settings, "SITE_URL", "").rstrip("/")
    path = safe_local_path(path)
    return site + path if site and path else ""


def deliveries_retry(*, now: datetime) -> int:
    """Re-enqueue pending deliveries whose last attempt failed or whose task was lost."""
    stale = now - RETRY_DELAY
    due = Delivery.objects.filter(
        status=Delivery.Status.PENDING, attempts__lt=MAX_DELIVERY_ATTEMPTS
    ).filter(Q(last_attempt_at__lt=stale) | Q(last_attempt_at__isnull=True, created_at__lt=stale))
    ids = list(due.order_by("pk").values_list("pk", flat=True)[:1000])
    for chunk in _chunks(ids, TASK_CHUNK):
        enqueue_on_commit(_tasks().deliver, chunk)
    return len(ids)


# ---------------------------------------------------------------------------------------------
# Daily digest


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    return start, start + timedelta(days=1)


def digest_notifications(user, day: date):
    """The user's unread notifications created on `day` (local), minus muted categories."""
    start, end = _day_bounds(day)
    muted = [key for key in preference_of(user).muted_categories if categories.is_mutable(key)]
    return (
        Notification.objects.filter(
            recipient=user, read_at__isnull=True, created_at__gte=start, created_at__lt=end
        )
        .exclude(category__in=muted)
        .order_by("created_at", "id")
    )


def digests_dispatch(*, day: date) -> int:
    """Create one digest delivery per digest reader with unread mail of `day`, and send them.

    Idempotent per day: the `unique_digest_per_day` constraint makes a second run create
    nothing, and a sent digest is never sent again.
    """
    start, end = _day_bounds(day)
    readers = (
        get_user_model()
        .objects.filter(is_active=True, notification_preference__daily_digest=True)
        .exclude(email="")
        .filter(
            notifications__read_at__isnull=True,
            notifications__created_at__gte=start,
            notifications__created_at__lt=end,
        )
        .values_list("pk", flat=True)
        .distinct()
    )
    rows = [
        Delivery(recipient_id=pk, channel=Delivery.Channel.EMAIL, digest_on=day) for pk in readers
    ]
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    pending = Delivery.objects.filter(
        digest_on=day, status=Delivery.Status.PENDING, attempts=0
    ).values_list("pk", flat=True)
    ids = list(pending)
    for chunk in _chunks(ids, TASK_CHUNK):
        enqueue_on_commit(_tasks().deliver, chunk)
    return len(ids)


def _send_digest(user, day: date) -> str:
    notes = list(digest_notifications(user, day))
    if not notes or not user.email:
        return Delivery.Status.SKIPPED
    body = render_to_string(
        "notifications/email/digest.txt",
        {
            "user": user,
            "day": day,
            "items": [(note, absolute_link(note.url)) for note in notes],
            "inbox": absolute_link(reverse("notifications:inbox")),
        },
    )
    subject = f"{SUBJECT_PREFIX}{day:%Y-%m-%d} 消息汇总（{len(notes)} 条未读）"
    send_email(to=user.email, subject=subject, body=body)
    Preference.objects.filter(user=user).update(last_digest_at=timezone.now())
    return Delivery.Status.SENT


# ---------------------------------------------------------------------------------------------
# Inbox and preferences


def notification_mark_read(*, actor, notification: Notification) -> None:
    if notification.recipient_id != actor.pk:
        raise ServiceError("只能标记自己的消息。")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )


def notifications_mark_all_read(*, actor) -> int:
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def preference_update(
    *,
    actor,
    email_enabled: bool,
    sms_enabled: bool,
    daily_digest: bool,
    muted_categories: list[str],
) -> Preference:
    unknown = [key for key in muted_categories if not categories.is_mutable(key)]
    if unknown:
        raise ServiceError(f"以下类别不能屏蔽：{'、'.join(unknown)}")
    if (email_enabled or daily_digest) and not actor.email:
        raise ServiceError("您还没有登记电子邮箱，请先在个人设置中填写邮箱，再开启邮件通知。")
    if sms_enabled and not actor.mobile:
        raise ServiceError("您还没有登记手机号，请先在个人设置中填写手机号，再开启短信通知。")
    with transaction.atomic():
        preference, _ = Preference.objects.select_for_update().get_or_create(user=actor)
        before = _preference_state(preference)
        preference.email_enabled = email_enabled
        preference.sms_enabled = sms_enabled
        preference.daily_digest = daily_digest
        preference.muted_categories = sorted(set(muted_categories))
        preference.save()
        audit_log(
            actor=actor,
            action="notifications.preference_update",
            obj=preference,
            before=before,
            after=_preference_state(preference),
        )
    return preference


def _preference_state(preference: Preference) -> dict:
    return {
        "email_enabled": preference.email_enabled,
        "sms_enabled": preference.sms_enabled,
        "daily_digest": preference.daily_digest,
        "muted_categories": list(preference.muted_categories),
    }

"""Reads of the notifications app. A user only ever reads their own notifications."""

from django.shortcuts import get_object_or_404

from dangjian.notifications.models import Notification


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def inbox_for(user, *, unread_only: bool = False):
    notifications = Notification.objects.filter(recipient=user)
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications.order_by("-created_at", "-id")


def notification_of_recipient_or_404(user, notification_id) -> Notification:
    """Someone else's notification answers 404, exactly like a missing one."""
    return get_object_or_404(Notification, pk=notification_id, recipient=user)

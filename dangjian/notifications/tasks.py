"""Delivery tasks. They take ids and call a service; running one twice sends nothing twice."""

from django_tasks import task

from dangjian.notifications.services import deliveries_send, notification_deliveries_send


@task()
def deliver_notifications(notification_ids: list[int]) -> None:
    notification_deliveries_send(notification_ids)


@task()
def deliver(delivery_ids: list[int]) -> None:
    deliveries_send(delivery_ids)

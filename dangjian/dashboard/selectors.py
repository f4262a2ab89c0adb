from dangjian.accounts.models import LoginEvent
from dangjian.core.navigation import menu_for
from dangjian.core.scope import scope_of
from dangjian.notifications.models import Notification
from dangjian.portal.todo import items_for


def previous_login(user):
    """The successful login before the current one (shown as a security hint)."""
    events = LoginEvent.objects.filter(user=user, result=LoginEvent.Result.SUCCESS)
    return events.order_by("-created_at", "-id")[1:2].first()


def workbench(user) -> dict:
    scope = scope_of(user)
    sections = [block for block in menu_for(user) if block["items"]]
    return {
        # The one "my todo" extension point, shared with the portal home page.
        "todos": items_for(user),
        "grants": scope.grants,
        "sections": sections,
        "recent_notifications": list(
            Notification.objects.filter(recipient=user).order_by("-created_at", "-id")[:6]
        ),
        "previous_login": previous_login(user),
    }

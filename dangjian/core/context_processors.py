from django.conf import settings

from dangjian.core.navigation import menu_for


def layout(request):
    """Navigation, inbox badge and the large-font preference for the base layout."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"platform_name": "党建信息平台", "environment": settings.ENVIRONMENT}
    from dangjian.notifications.selectors import unread_count

    return {
        "platform_name": "党建信息平台",
        "environment": settings.ENVIRONMENT,
        "nav_menu": menu_for(user, request.path),
        "inbox_unread": unread_count(user),
        "large_font": user.large_font,
    }

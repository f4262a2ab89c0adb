from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core.exceptions import ServiceError
from dangjian.core.links import safe_local_path
from dangjian.core.paging import paginate
from dangjian.notifications import categories
from dangjian.notifications.forms import PreferenceForm
from dangjian.notifications.selectors import inbox_for, notification_of_recipient_or_404
from dangjian.notifications.services import (
    notification_mark_read,
    notifications_mark_all_read,
    preference_of,
    preference_update,
)


@login_required
@require_GET
def inbox(request):
    show = "unread" if request.GET.get("show") == "unread" else "all"
    context = paginate(request, inbox_for(request.user, unread_only=show == "unread"))
    context["show"] = show
    return render(request, "notifications/inbox.html", context)


@login_required
@require_GET
def notification_open(request, notification_id):
    """Opening a notification marks it read, then follows its link when that stays on site."""
    notification = notification_of_recipient_or_404(request.user, notification_id)
    notification_mark_read(actor=request.user, notification=notification)
    target = safe_local_path(notification.url)
    if target:
        return redirect(target)
    context = {"note": notification, "category_label": categories.label_of(notification.category)}
    return render(request, "notifications/detail.html", context)


@login_required
@require_POST
def mark_all_read(request):
    count = notifications_mark_all_read(actor=request.user)
    messages.success(request, f"已将 {count} 条消息标为已读。" if count else "没有未读消息。")
    return redirect("notifications:inbox")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    preference = preference_of(request.user)
    form = PreferenceForm(request.POST or None, initial=_initial(preference))
    if request.method == "POST" and form.is_valid():
        try:
            preference_update(actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "通知设置已保存。")
            return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})


def _initial(preference) -> dict:
    return {
        "email_enabled": preference.email_enabled,
        "sms_enabled": preference.sms_enabled,
        "daily_digest": preference.daily_digest,
        "muted_categories": preference.muted_categories,
    }

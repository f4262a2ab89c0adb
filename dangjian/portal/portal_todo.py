"""The portal's own entries on "my todo": the articles waiting for this user's step in the
review (审核/审批, exactly the review queue's list) and their own articles returned for changes.
Two COUNT queries at most."""

from django.urls import reverse

from dangjian.portal.models import Article
from dangjian.portal.services.workflow import pending_for
from dangjian.portal.todo import TodoItem, register


def returned_to_me(user) -> int:
    return Article.objects.filter(created_by_id=user.pk, status=Article.Status.RETURNED).count()


@register
def portal_todo(user, request) -> list[TodoItem]:
    mine = reverse("portal:my_articles")
    return [
        TodoItem(
            "待审核、审批的稿件",
            reverse("portal:review_queue"),
            pending_for(user).count(),
            "clipboard-check",
            "portal.review",
        ),
        TodoItem(
            "被退回待修改的稿件",
            f"{mine}?status={Article.Status.RETURNED}",
            returned_to_me(user),
            "arrow-counterclockwise",
            "portal.returned",
            urgent=True,
        ),
    ]

"""The portal's own entries on "my todo": articles waiting for this user's review (审核) or
approval (审批) in their scope, and their own articles returned for changes. At most three
COUNT queries, none for a user without the permission."""

from django.urls import NoReverseMatch, reverse

from dangjian.portal.models import Article
from dangjian.portal.permissions import APPROVE_ARTICLE, REVIEW_ARTICLE
from dangjian.portal.todo import TodoItem, register

Status = Article.Status


def _url(name: str, fallback: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:  # the page's part not installed yet: the item still counts
        return fallback


def waiting_for_review(user) -> int:
    """Submitted articles in the user's review scope that someone else wrote."""
    return (
        Article.objects.visible_to(user, REVIEW_ARTICLE)
        .filter(status=Status.SUBMITTED)
        .exclude(created_by_id=user.pk)
        .count()
    )


def waiting_for_approval(user) -> int:
    return Article.objects.visible_to(user, APPROVE_ARTICLE).filter(status=Status.REVIEWED).count()


def returned_to_me(user) -> int:
    return Article.objects.filter(created_by_id=user.pk, status=Status.RETURNED).count()


@register
def portal_todo(user, request) -> list[TodoItem]:
    queue = _url("portal:review_queue", "/portal/review/")
    mine = _url("portal:my_articles", "/portal/articles/")
    return [
        TodoItem(
            "待审核的稿件", queue, waiting_for_review(user), "clipboard-check", "portal.review"
        ),
        TodoItem(
            "待审批的稿件", queue, waiting_for_approval(user), "patch-check", "portal.approve"
        ),
        TodoItem(
            "被退回待修改的稿件",
            f"{mine}?status={Status.RETURNED}",
            returned_to_me(user),
            "arrow-counterclockwise",
            "portal.returned",
            urgent=True,
        ),
    ]

"""稿件审核: the reviewers' and approvers' queue, the review page of one article, and its
POST-only actions (通过审核, 审批发布, 退回修改, 撤稿).

Scope: the pages answer only holders of REVIEW_ARTICLE or APPROVE_ARTICLE; an article of a
site outside the viewer's review or approval scope is a 404 like a missing one. Each action
calls one `services.workflow` function; a refused step comes back as a Chinese message on the
article's page, and a double click is absorbed by `SubmitOnce`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_POST

from dangjian.core.exceptions import ServiceError
from dangjian.core.paging import paginate
from dangjian.core.scope import scope_of
from dangjian.core.submit_once import SubmitOnce
from dangjian.portal.models import Article, ArticleAction
from dangjian.portal.permissions import APPROVE_ARTICLE, REVIEW_ARTICLE
from dangjian.portal.services import workflow

ONCE = "portal"
PER_PAGE = 20
TABS = {
    "pending": "待我处理",
    "scheduled": "定时待发布",
    "published": "已发布",
    "returned": "已退回",
}


def _require_reviewer(user) -> None:
    scope = scope_of(user)
    if not (scope.has(REVIEW_ARTICLE) or scope.has(APPROVE_ARTICLE)):
        raise Http404


def _article(user, pk: int) -> Article:
    """The article for the review pages, or 404 outside the viewer's review/approval scope."""
    _require_reviewer(user)
    article = (
        Article.objects.select_related(
            "site__organization", "column", "cover", "created_by", "updated_by"
        )
        .filter(pk=pk)
        .first()
    )
    if article is None or not workflow.can_see_in_review(user, article):
        raise Http404
    return article


def _tab_rows(user, tab: str):
    related = ("site", "column", "created_by")
    if tab == "pending":
        return workflow.pending_for(user).select_related(*related).order_by("updated_at", "pk")
    if tab == "returned":
        rows = Article.objects.filter(_in_scope(user), status=Article.Status.RETURNED)
        return rows.select_related(*related).order_by("-updated_at", "-pk")
    approving = Article.objects.visible_to(user, APPROVE_ARTICLE).select_related(*related)
    if tab == "scheduled":
        return approving.filter(status=Article.Status.APPROVED).order_by("publish_at", "pk")
    return approving.filter(status=Article.Status.PUBLISHED).order_by("-published_at", "-pk")


def _in_scope(user):
    """Articles of sites the user reviews or approves (one OR of two subtree conditions)."""
    from django.db.models import Q

    from dangjian.core.scope import scope_condition

    scope = scope_of(user)
    condition = Q(pk__in=[])
    for code in (REVIEW_ARTICLE, APPROVE_ARTICLE):
        found = scope_condition("site__organization__path", scope.paths_for(code))
        if found is not None:
            condition |= found
    return condition


@login_required
@require_GET
def review_queue(request):
    _require_reviewer(request.user)
    tab = request.GET.get("tab", "pending")
    if tab not in TABS:
        tab = "pending"
    approver = scope_of(request.user).has(APPROVE_ARTICLE)
    tabs = [
        (key, label)
        for key, label in TABS.items()
        if approver or key not in ("scheduled", "published")
    ]
    if tab not in dict(tabs):
        tab = "pending"
    context = {
        "tab": tab,
        "tabs": tabs,
        **paginate(request, _tab_rows(request.user, tab), PER_PAGE),
    }
    return render(request, "portal/review/queue.html", context)


@login_required
@require_GET
def review_detail(request, pk: int):
    user = request.user
    article = _article(user, pk)
    once = SubmitOnce(request, f"review:{article.pk}", namespace=ONCE)
    actions = list(article.actions.order_by("at", "id"))
    last_review = next((a for a in reversed(actions) if a.kind == ArticleAction.Kind.REVIEW), None)
    context = {
        "article": article,
        "trail_actions": actions,
        "attachments": list(article.attachments.order_by("order", "id")),
        "tags": list(article.tags.values_list("name", flat=True)),
        "audience": list(article.audience.order_by("path")),
        "form_token": once.token,
        "needs_secrecy": workflow.needs_secrecy_review(article.column),
        **_allowed_actions(user, article, last_review),
    }
    return render(request, "portal/review/detail.html", context)


def _allowed_actions(user, article: Article, last_review) -> dict:
    Status = Article.Status
    reviewer = workflow.can_review(user, article)
    approver = workflow.can_approve(user, article)
    own = article.created_by_id == user.pk
    direct = not workflow.needs_review(article.column)
    reviewed_by_me = last_review is not None and last_review.actor_id == user.pk
    may_review = article.status == Status.SUBMITTED and reviewer and not own
    may_approve = approver and (
        (article.status == Status.REVIEWED and not reviewed_by_me)
        or (article.status == Status.SUBMITTED and direct)
    )
    may_return = (article.status == Status.SUBMITTED and (reviewer or approver)) or (
        article.status == Status.REVIEWED and approver
    )
    waiting_note = ""
    if article.status == Status.SUBMITTED and own and reviewer:
        waiting_note = "这是您撰写的稿件，须由其他审核人审核。"
    elif article.status == Status.REVIEWED and approver and reviewed_by_me:
        waiting_note = "您已审核过这篇稿件，须由其他审批人审批。"
    elif article.status == Status.REVIEWED and not approver:
        waiting_note = "稿件已审核通过，正在等待审批人审批。"
    return {
        "may_review": may_review,
        "may_approve": may_approve,
        "may_return": may_return,
        "may_withdraw": approver and article.status in (Status.APPROVED, Status.PUBLISHED),
        "may_edit": workflow.can_edit(user, article),
        "waiting_note": waiting_note,
    }


def _act(request, pk: int, action: str, run, success: str, *, to_queue: bool):
    """Claim the form token, run the service step, report in Chinese and redirect."""
    article = _article(request.user, pk)
    detail = reverse("portal:review_detail", args=[article.pk])
    once = SubmitOnce(request, f"review:{article.pk}:{action}", namespace=ONCE)
    if not once.claim():
        return once.repeated(request, detail)
    try:
        run(article)
    except ServiceError as exc:
        once.release()
        messages.error(request, exc.messages[0])
        return redirect(detail)
    url = reverse("portal:review_queue") if to_queue else detail
    once.done(url)
    messages.success(request, success.format(title=article.title))
    return redirect(url)


def _text(request, name: str) -> str:
    return (request.POST.get(name) or "").strip()


@login_required
@require_POST
def review_pass(request, pk: int):
    checked = request.POST.get("secrecy_checked") in ("1", "on", "true")
    note = _text(request, "note")
    return _act(
        request,
        pk,
        "review",
        lambda article: workflow.review(request.user, article, secrecy_checked=checked, note=note),
        "已审核通过《{title}》，已通知审批人。",
        to_queue=True,
    )


@login_required
@require_POST
def review_approve(request, pk: int):
    note = _text(request, "note")

    def run(article):
        workflow.approve(request.user, article, note)
        if article.status == Article.Status.APPROVED:
            messages.info(request, "文章将在设定的定时发布时间自动发布。")

    return _act(request, pk, "approve", run, "已审批《{title}》。", to_queue=True)


@login_required
@require_POST
def review_return(request, pk: int):
    reason = _text(request, "reason")
    if not reason:
        _article(request.user, pk)
        messages.error(request, "退回时请填写原因，说明需要怎样修改。")
        return redirect("portal:review_detail", pk)
    return _act(
        request,
        pk,
        "return",
        lambda article: workflow.return_article(request.user, article, reason),
        "已退回《{title}》，撰稿人会收到退回原因。",
        to_queue=True,
    )


@login_required
@require_POST
def review_withdraw(request, pk: int):
    reason = _text(request, "reason")
    if not reason:
        _article(request.user, pk)
        messages.error(request, "撤稿时请填写原因。")
        return redirect("portal:review_detail", pk)
    return _act(
        request,
        pk,
        "withdraw",
        lambda article: workflow.withdraw(request.user, article, reason),
        "已撤下《{title}》，读者不再能看到这篇文章。",
        to_queue=False,
    )


urlpatterns = [
    path("portal/review/", review_queue, name="review_queue"),
    path("portal/review/<int:pk>/", review_detail, name="review_detail"),
    path("portal/review/<int:pk>/pass/", review_pass, name="review_pass"),
    path("portal/review/<int:pk>/approve/", review_approve, name="review_approve"),
    path("portal/review/<int:pk>/return/", review_return, name="review_return"),
    path("portal/review/<int:pk>/withdraw/", review_withdraw, name="review_withdraw"),
]

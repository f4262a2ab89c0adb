"""The article editor (撰稿, the back-end of 信息交流): 我的稿件, write and edit an article in the
rich-text editor (pictures, videos, Word tables, attachments), submit it for review, its
versions with their differences and restore, and deleting a draft.

Who sees an article here: its author, and whoever writes, reviews or approves on its site (the
scope engine over the site's organisation), or a named publisher of its column; anyone else
gets a 404. What they may do with it in its state is the services' decision
(`services.workflow.edit_refusal`, `services.articles.save_article`, `workflow.submit`), shown
as a Chinese message, never a 500.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core.exceptions import ServiceError
from dangjian.core.forms import parse_id
from dangjian.core.paging import paginate
from dangjian.core.scope import has_permission, scope_of
from dangjian.core.search_select import OPTION_LIMIT, options_response
from dangjian.core.submit_once import SubmitOnce
from dangjian.portal import forms
from dangjian.portal.models import Article, ArticleAttachment, Column, Site
from dangjian.portal.permissions import APPROVE_ARTICLE, REVIEW_ARTICLE, WRITE_ARTICLE
from dangjian.portal.services import articles as article_services
from dangjian.portal.services import media as media_services
from dangjian.portal.services import workflow

ONCE = "portal-editor"
Status = Article.Status
SUBMITTABLE = (Status.DRAFT, Status.RETURNED, Status.WITHDRAWN)
DELETABLE = (Status.DRAFT, Status.RETURNED)
BACKEND = (WRITE_ARTICLE, REVIEW_ARTICLE, APPROVE_ARTICLE)


# ---------------------------------------------------------------- who sees what


def _is_writer(user) -> bool:
    """Holds the writing permission somewhere, or is a named publisher of some column."""
    if has_permission(user, WRITE_ARTICLE):
        return True
    return Column.publishers.through.objects.filter(user_id=user.pk).exists()


def _works_on(user, article: Article) -> bool:
    if article.created_by_id == user.pk:
        return True
    scope = scope_of(user)
    path_ = article.site.organization.path
    if any(scope.covers(code, path_) for code in BACKEND):
        return True
    return article.column.publishers.filter(pk=user.pk).exists()


def _article(user, pk) -> Article:
    """An article the user works on in the back-end; anything else is a 404."""
    article = (
        Article.objects.select_related(
            "site__organization", "column__parent", "cover", "created_by", "updated_by"
        )
        .filter(pk=parse_id(pk))
        .first()
    )
    if article is None:
        raise Http404
    article.column.site = article.site  # one site row for the permission checks on the column
    if not _works_on(user, article):
        raise Http404
    return article


def _error(exc: ValidationError) -> str:
    return exc.messages[0] if exc.messages else "操作未完成，请重试。"


# ---------------------------------------------------------------- 我的稿件


@login_required
@require_GET
def my_articles(request):
    user = request.user
    authored = Article.objects.filter(created_by=user)
    site_wide = _is_writer(user) and request.GET.get("scope") == "site"
    if not _is_writer(user) and not authored.exists():
        raise Http404
    base = Article.objects.visible_to(user, WRITE_ARTICLE) if site_wide else authored
    columns = Column.objects.filter(pk__in=base.order_by().values("column_id")).select_related(
        "parent"
    )
    filters = forms.MyArticlesFilterForm(request.GET or None, columns=columns)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    rows = base
    if chosen.get("column"):
        rows = rows.filter(column=chosen["column"])
    if chosen.get("q"):
        rows = rows.filter(title__icontains=chosen["q"].strip())
    counts = rows.aggregate(
        all=Count("pk"),
        **{
            key: Count("pk", filter=Q(status__in=statuses))
            for key, (_label, statuses) in forms.STATUS_FILTERS.items()
            if key
        },
    )
    status = request.GET.get("status", "")
    if status not in forms.STATUS_FILTERS:
        status = ""
    statuses = forms.STATUS_FILTERS[status][1]
    if statuses:
        rows = rows.filter(status__in=statuses)
    rows = rows.select_related("site", "column__parent", "created_by").order_by(
        "-updated_at", "-pk"
    )
    tabs = [
        {"key": key, "label": label, "count": counts[key or "all"]}
        for key, (label, _statuses) in forms.STATUS_FILTERS.items()
    ]
    return render(
        request,
        "portal/editor/my_articles.html",
        {
            **paginate(request, rows),
            "filters": filters,
            "tabs": tabs,
            "status": status,
            "site_wide": site_wide,
            "is_writer": _is_writer(user),
            "can_write": forms.writable_columns(user).exists(),
            "Status": Status,
        },
    )


# ---------------------------------------------------------------- new and edit


@login_required
@require_http_methods(["GET", "POST"])
def article_new(request):
    user = request.user
    sites = forms.writable_sites(user)
    if not sites.exists():
        raise Http404
    preset = sites.filter(pk=parse_id(request.GET.get("site"))).first()
    once = SubmitOnce(request, "new", namespace=ONCE)
    initial = {"visibility": ""}
    column = forms.writable_columns(user).filter(pk=parse_id(request.GET.get("column"))).first()
    if column is not None:
        initial["column"] = column.pk
        preset = preset or column.site
    form = forms.ArticleForm(
        request.POST or None, request.FILES or None, user=user, site=preset, initial=initial
    )
    if form.site is None:  # several sites: choose one first (the editor is for one site)
        status = 400 if request.method == "POST" else 200
        return render(request, "portal/editor/choose_site.html", {"sites": sites}, status=status)
    if not form.is_bound:
        form.initial["visibility"] = _default_visibility(form, column)
    if request.method == "POST" and form.is_valid():
        if not once.claim():
            return once.repeated(request, reverse("portal:my_articles"))
        try:
            article = _save(request, form, article=None)
        except ServiceError as exc:
            once.release()
            form.add_error(None, _error(exc))
        else:
            url = _after_save(request, form, article)
            once.done(url)
            return redirect(url)
    return _editor(request, form, article=None, token=once.token)


def _default_visibility(form, column) -> str:
    if column is not None:
        return column.default_visibility
    first = form.fields["column"].queryset.first()
    return first.default_visibility if first else Article.Visibility.MEMBERS


@login_required
@require_http_methods(["GET", "POST"])
def article_edit(request, pk):
    user = request.user
    article = _article(user, pk)
    refusal = workflow.edit_refusal(user, article)
    if refusal:
        messages.error(request, refusal)
        return redirect("portal:article_preview", article.pk)
    once = SubmitOnce(request, f"edit:{article.pk}", namespace=ONCE)
    form = forms.ArticleForm(
        request.POST or None,
        request.FILES or None,
        user=user,
        article=article,
        initial=forms.initial_for(article),
    )
    if request.method == "POST" and form.is_valid():
        if not once.claim():
            return once.repeated(request, reverse("portal:article_edit", args=[article.pk]))
        try:
            article = _save(request, form, article=article)
        except ServiceError as exc:
            once.release()
            form.add_error(None, _error(exc))
        else:
            url = _after_save(request, form, article)
            once.done(url)
            return redirect(url)
    return _editor(request, form, article=article, token=once.token)


def _save(request, form, *, article: Article | None) -> Article:
    """Store the cover (when uploaded with the form), then the article itself."""
    user = request.user
    site = form.site if article is None else article.site
    if site is None:
        raise ServiceError("请选择发布站点。")
    data = form.article_data()
    upload = form.cleaned_data.get("cover_file")
    if upload:
        data["cover"] = media_services.upload_media(actor=user, site=site, file=upload)
    return article_services.save_article(
        actor=user,
        article=article,
        site=site,
        column=form.cleaned_data["column"],
        data=data,
        tags=form.cleaned_data["tags"],
        audience=form.audience_list(),
        note=form.cleaned_data.get("note", ""),
    )


def _after_save(request, form, article: Article) -> str:
    """Attachments (each on its own: one bad file does not lose the others), then the
    submission when asked for. The URL to go to next."""
    user = request.user
    problems = []
    for attachment in form.cleaned_data.get("remove_attachments") or []:
        try:
            media_services.delete_attachment(actor=user, attachment=attachment)
        except ServiceError as exc:
            problems.append(f"附件“{attachment.title}”未删除：{_error(exc)}")
    for upload in form.cleaned_data.get("attachments") or []:
        try:
            media_services.upload_attachment(actor=user, article=article, file=upload)
        except ServiceError as exc:
            problems.append(f"附件“{upload.name}”未上传：{_error(exc)}")
    edit_url = reverse("portal:article_edit", args=[article.pk])
    for problem in problems:
        messages.error(request, problem)
    if request.POST.get("action") == "submit":
        if problems:
            messages.warning(request, "稿件已保存，但附件有问题，尚未提交审核；处理后请再次提交。")
            return edit_url
        try:
            article = workflow.submit(user, article)
        except ServiceError as exc:
            messages.error(request, f"稿件已保存，但未能提交审核：{_error(exc)}")
            return edit_url
        messages.success(request, _submitted_text(article))
        return reverse("portal:article_preview", args=[article.pk])
    if article.status == Status.PUBLISHED:
        messages.success(request, "修改已保存，文章保持发布状态，门户上已显示修改后的内容。")
    elif article.status in SUBMITTABLE and not problems:
        messages.success(request, "稿件已保存。可以继续修改，或提交审核。")
    else:
        messages.success(request, "稿件已保存。")
    return edit_url


def _submitted_text(article: Article) -> str:
    if article.status == Status.PUBLISHED:
        return "该栏目无需审核，文章已发布。"
    if article.status == Status.APPROVED:
        return "该栏目无需审核，文章将在设定的时间自动发布。"
    return "已提交审核，审核人会收到消息；审核结果会通知您。"


def _editor(request, form, *, article: Article | None, token: str):
    attachments = (
        list(article.attachments.select_related("uploaded_by").order_by("order", "pk"))
        if article is not None
        else []
    )
    context = {
        "form": form,
        "article": article,
        "form_token": token,
        "attachments": attachments,
        "can_submit": article is None or article.status in SUBMITTABLE,
        "can_delete": article is not None and _delete_refusal(request.user, article) is None,
        "several_sites": article is None and forms.writable_sites(request.user)[1:2].exists(),
        "site": form.site,
        "column_visibility": form.column_visibility,
        "upload_url": reverse("portal:media_upload"),
        "cover_url": media_services.media_url(article.cover, 320)
        if article is not None and article.cover_id
        else "",
        "Status": Status,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "portal/editor/edit.html", context, status=status)


# ---------------------------------------------------------------- the writer's view of one


@login_required
@require_GET
def article_preview(request, pk):
    """The article as it will look, with its state, the return reason and the 三审 trail."""
    user = request.user
    article = _article(user, pk)
    return render(
        request,
        "portal/editor/preview.html",
        {
            "article": article,
            "attachments": list(article.attachments.order_by("order", "pk")),
            "tags": list(article.tags.all()),
            "can_edit": workflow.edit_refusal(user, article) is None,
            "can_submit": article.status in SUBMITTABLE
            and workflow.can_write(user, article.column),
            "can_delete": _delete_refusal(user, article) is None,
            "cover_url": media_services.media_url(article.cover, 800) if article.cover_id else "",
            "Status": Status,
        },
    )


@login_required
@require_POST
def article_submit(request, pk):
    article = _article(request.user, pk)
    try:
        article = workflow.submit(request.user, article)
    except ServiceError as exc:
        messages.error(request, _error(exc))
    else:
        messages.success(request, _submitted_text(article))
    return redirect("portal:article_preview", article.pk)


# ---------------------------------------------------------------- delete a draft


def _delete_refusal(user, article: Article) -> str | None:
    if article.status not in DELETABLE or article.published_at is not None:
        return "只有未发布过的草稿和退回的稿件可以删除；已发布的文章请由审批人撤稿。"
    if article.created_by_id == user.pk or workflow.can_write(user, article.column):
        return None
    return "您没有删除这篇稿件的权限。"


def _delete(user, article: Article) -> None:
    """wf's `delete_article` (rows, audit, signal); the attachments' stored files go after
    the commit, so a refused or failed delete keeps them."""
    names = [a.file.name for a in article.attachments.all() if a.file.name]
    storage = ArticleAttachment._meta.get_field("file").storage
    article_services.delete_article(actor=user, article=article)
    transaction.on_commit(lambda: [storage.delete(name) for name in names])


@login_required
@require_http_methods(["GET", "POST"])
def article_delete(request, pk):
    article = _article(request.user, pk)
    refusal = _delete_refusal(request.user, article)
    if refusal:
        messages.error(request, refusal)
        return redirect("portal:article_preview", article.pk)
    form = forms.DeleteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        title = article.title
        try:
            _delete(request.user, article)
        except ServiceError as exc:
            messages.error(request, _error(exc))
            return redirect("portal:article_preview", article.pk)
        messages.success(request, f"已删除稿件“{title}”。")
        return redirect("portal:my_articles")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "portal/editor/delete.html", {"article": article, "form": form}, status=status
    )


# ---------------------------------------------------------------- revisions


@login_required
@require_GET
def article_revisions(request, pk):
    article = _article(request.user, pk)
    revisions = list(
        article.revisions.select_related("created_by").order_by("-number")
    )  # a few dozen at most: every save that changed the text
    numbers = [rev.number for rev in revisions]
    a = parse_id(request.GET.get("a"))
    b = parse_id(request.GET.get("b"))
    if b is None and numbers:
        b = numbers[0]
    if a is None and len(numbers) > 1:
        a = numbers[1]
    rows, problem = [], ""
    if a is not None and b is not None and a != b:
        try:
            rows = article_services.revision_diff(article, a, b)
        except ServiceError as exc:
            problem = _error(exc)
    return render(
        request,
        "portal/editor/revisions.html",
        {
            "article": article,
            "revisions": revisions,
            "a": a,
            "b": b,
            "rows": rows,
            "changed": [row for row in rows if row.kind != "same"],
            "problem": problem,
            "can_restore": workflow.edit_refusal(request.user, article) is None,
        },
    )


@login_required
@require_POST
def article_restore(request, pk, number):
    article = _article(request.user, pk)
    try:
        article_services.restore_revision(actor=request.user, article=article, number=number)
    except ServiceError as exc:
        messages.error(request, _error(exc))
    else:
        messages.success(request, f"已恢复第 {number} 版的内容（保存为新的版本）。")
    return redirect("portal:article_revisions", article.pk)


# ---------------------------------------------------------------- helpers of the editor


@login_required
@require_POST
def media_upload(request):
    """The editor's picture/video button and the cover: one file → JSON with its URL."""
    user = request.user
    site = Site.objects.filter(pk=parse_id(request.POST.get("site")), is_active=True).first()
    if site is None or not media_services.may_upload_media(user, site):
        return JsonResponse({"error": "请先选择可以撰稿的站点。"}, status=404)
    upload = request.FILES.get("file")
    try:
        asset = media_services.upload_media(
            actor=user, site=site, file=upload, alt=request.POST.get("alt", "")
        )
    except ValidationError as exc:  # ServiceError, or a check of core.uploads
        return JsonResponse({"error": _error(exc)}, status=400)
    video = asset.kind == asset.Kind.VIDEO
    return JsonResponse(
        {
            "key": str(asset.key),
            "kind": asset.kind,
            "url": media_services.media_url(asset)
            if video
            else media_services.media_url(asset, 800),
            "thumbnail": "" if video else media_services.media_url(asset, 320),
            "width": asset.width,
            "height": asset.height,
            "alt": asset.alt,
        },
        status=201,
    )


@login_required
@require_GET
def audience_options(request):
    """The search box of the audience picker: organisations of the chosen site."""
    site = forms.writable_sites(request.user).filter(pk=parse_id(request.GET.get("site"))).first()
    if site is None:
        raise Http404
    found = forms.organization_options(site, request.GET.get("q", ""), OPTION_LIMIT)
    options = [(org.pk, org.display_name) for org in found]
    return options_response(request, options, empty_label="选择要添加的组织")


urlpatterns = [
    path("portal/articles/", my_articles, name="my_articles"),
    path("portal/articles/new/", article_new, name="article_new"),
    path("portal/articles/organizations/", audience_options, name="audience_options"),
    path("portal/articles/<int:pk>/", article_preview, name="article_preview"),
    path("portal/articles/<int:pk>/edit/", article_edit, name="article_edit"),
    path("portal/articles/<int:pk>/submit/", article_submit, name="article_submit"),
    path("portal/articles/<int:pk>/delete/", article_delete, name="article_delete"),
    path("portal/articles/<int:pk>/revisions/", article_revisions, name="article_revisions"),
    path(
        "portal/articles/<int:pk>/revisions/<int:number>/restore/",
        article_restore,
        name="article_restore",
    ),
    path("portal/media/upload/", media_upload, name="media_upload"),
]

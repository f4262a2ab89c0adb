"""Pages of 发文: the register (发文登记簿), drafting and editing, one document with its workflow
buttons and trail, the workflow actions, file downloads and the 机关代字 settings.

Who sees what: the register and documents are those of the issuers in the user's sending scope
(`selectors_outgoing.sender_documents`); anything else is a 404. A page for a permission the
user holds nowhere (the register, drafting, 机关代字) is a 403. What a step may do in the
document's state is the services' decision, shown as a Chinese message, never a 500.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core.exceptions import ServiceError
from dangjian.core.forms import parse_id
from dangjian.core.paging import paginate
from dangjian.core.scope import has_permission, scope_of
from dangjian.core.search_select import OPTION_LIMIT, options_response
from dangjian.core.submit_once import SubmitOnce
from dangjian.core.uploads import serve_file
from dangjian.documents import forms_outgoing as forms
from dangjian.documents import selectors_outgoing as selectors
from dangjian.documents.models import Document, DocumentFile, IssuerPrefix
from dangjian.documents.permissions import (
    DRAFT_DOCUMENT,
    ISSUE_DOCUMENT,
    REVIEW_DOCUMENT,
    SIGN_DOCUMENT,
)
from dangjian.documents.services import outgoing as services

ONCE = "documents-outgoing"
Status = Document.Status


def _error(exc) -> str:
    return exc.messages[0] if exc.messages else "操作未完成，请重试。"


def _require_anywhere(user, *permissions) -> None:
    if not any(has_permission(user, code) for code in permissions):
        raise PermissionDenied


# ---------------------------------------------------------------- 发文登记簿


@login_required
@require_GET
def register(request):
    user = request.user
    if not selectors.is_sender(user):
        raise PermissionDenied
    filters = forms.RegisterFilterForm(request.GET or None, years=selectors.register_years(user))
    tab = request.GET.get("tab", "")
    tab = tab if tab in selectors.TABS else ""
    rows, tabs = selectors.outgoing_register(user, filters.filters(tab))
    query = request.GET.copy()
    query.pop("tab", None)
    query.pop("page", None)
    return render(
        request,
        "documents/outgoing/register.html",
        {
            **paginate(request, rows),
            "filters": filters,
            "tabs": tabs,
            "tab": tab,
            "tab_query": query.urlencode(),
            "can_draft": has_permission(user, DRAFT_DOCUMENT),
            "can_prefix": has_permission(user, ISSUE_DOCUMENT),
            "Status": Status,
        },
    )


# ---------------------------------------------------------------- drafting


@login_required
@require_http_methods(["GET", "POST"])
def document_new(request):
    user = request.user
    _require_anywhere(user, DRAFT_DOCUMENT)
    if not selectors.drafting_issuers(user).exists():
        messages.warning(request, _NO_PREFIX)
        return redirect(
            "documents:prefixes" if has_permission(user, ISSUE_DOCUMENT) else "documents:outgoing"
        )
    once = SubmitOnce(request, "new", namespace=ONCE)
    post = request.POST if request.method == "POST" else None
    form = forms.DocumentForm(post, request.FILES or None, user=user, initial=_new_initial(user))
    addresses = forms.address_formset(post)
    if post is not None and form.is_valid() and addresses.is_valid():
        if not once.claim():
            return once.repeated(request, reverse("documents:outgoing"))
        try:
            document = services.document_create(
                actor=user,
                issuer=form.cleaned_data["issuer"],
                data=form.document_data(),
                addresses=addresses.specs(),
            )
        except ServiceError as exc:
            once.release()
            form.add_error(None, _error(exc))
        else:
            _store_files(request, form, document)
            messages.success(request, "发文稿已保存。检查无误后请提交核稿。")
            url = reverse("documents:outgoing_detail", args=[document.pk])
            once.done(url)
            return redirect(url)
    return _form_page(request, form, addresses, document=None, token=once.token)


_NO_PREFIX = "您起草发文的组织还没有启用的机关代字，请先添加机关代字（由党委办公室维护）后再拟稿。"


def _new_initial(user) -> dict:
    initial = {}
    issuer = selectors.drafting_issuers(user).first()
    if issuer is not None:
        initial["signatory"] = issuer.name
        initial["printer"] = f"{issuer.name}办公室"
        prefix = selectors.drafting_prefixes(user).filter(organization=issuer).first()
        if prefix is not None:
            initial["prefix"] = prefix.pk
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def document_edit(request, pk):
    user = request.user
    document = selectors.document_for_sender_or_404(user, pk)
    if document.status != Status.DRAFT or not scope_of(user).covers(
        DRAFT_DOCUMENT, document.issuer.path
    ):
        messages.error(request, "只有草稿（含退回修改的稿件）可以修改，并且须有拟稿权限。")
        return redirect("documents:outgoing_detail", document.pk)
    once = SubmitOnce(request, f"edit:{document.pk}", namespace=ONCE)
    post = request.POST if request.method == "POST" else None
    form = forms.DocumentForm(
        post, request.FILES or None, user=user, document=document, initial=_initial(document)
    )
    addresses = forms.address_formset(post, document=document)
    if post is not None and form.is_valid() and addresses.is_valid():
        if not once.claim():
            return once.repeated(request, reverse("documents:outgoing_detail", args=[pk]))
        try:
            services.document_update(
                actor=user,
                document=document,
                data=form.document_data(),
                addresses=addresses.specs(),
            )
        except ServiceError as exc:
            once.release()
            form.add_error(None, _error(exc))
        else:
            _remove_files(request, document)
            _store_files(request, form, document)
            messages.success(request, "修改已保存。")
            url = reverse("documents:outgoing_detail", args=[document.pk])
            once.done(url)
            return redirect(url)
    return _form_page(request, form, addresses, document=document, token=once.token)


def _initial(document: Document) -> dict:
    names = (
        "doc_type", "prefix", "title", "urgency", "classification", "body_html",
        "attachment_note", "remark", "signatory", "printer", "reply_required", "deadline",
        "in_reply_to",
    )  # fmt: skip
    initial = {name: getattr(document, name) for name in names}
    initial["prefix"] = document.prefix_id
    initial["in_reply_to"] = document.in_reply_to_id
    return initial


def _store_files(request, form, document: Document) -> None:
    """Each file on its own: one bad file does not lose the draft or the other files."""
    uploads = []
    if form.cleaned_data.get("body_file"):
        uploads.append((form.cleaned_data["body_file"], DocumentFile.Purpose.BODY))
    uploads += [(f, DocumentFile.Purpose.ATTACHMENT) for f in form.cleaned_data["attachments"]]
    for upload, purpose in uploads:
        try:
            services.document_file_add(
                actor=request.user, document=document, file=upload, purpose=purpose
            )
        except ServiceError as exc:
            messages.error(request, f"文件“{upload.name}”未上传：{_error(exc)}")


def _remove_files(request, document: Document) -> None:
    wanted = {parse_id(value) for value in request.POST.getlist("remove_files")}
    for stored in document.files.filter(pk__in=[pk for pk in wanted if pk]):
        try:
            services.document_file_remove(actor=request.user, file=stored)
        except ServiceError as exc:
            messages.error(request, f"文件“{stored.title}”未删除：{_error(exc)}")


def _form_page(request, form, addresses, *, document, token):
    context = {
        "form": form,
        "addresses": addresses,
        "document": document,
        "files": list(document.files.order_by("purpose", "order", "pk")) if document else [],
        "form_token": token,
        "single_issuer": form.single_issuer,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "documents/outgoing/form.html", context, status=status)


@login_required
@require_GET
def organization_options(request):
    _require_anywhere(request.user, DRAFT_DOCUMENT)
    found = selectors.organization_options(request.GET.get("q", ""), OPTION_LIMIT)
    options = [(org.pk, org.display_name) for org in found]
    return options_response(request, options, empty_label="（不选组织）")


@login_required
@require_GET
def people_options(request):
    _require_anywhere(request.user, DRAFT_DOCUMENT)
    found = selectors.people_options(request.GET.get("q", ""), OPTION_LIMIT)
    options = [(user.pk, user.display_name or user.username) for user in found]
    return options_response(request, options, empty_label="（不选个人）")


# ---------------------------------------------------------------- one document


@login_required
@require_GET
def document_detail(request, pk):
    user = request.user
    document = selectors.document_for_sender_or_404(user, pk)
    return render(
        request,
        "documents/outgoing/detail.html",
        {
            "document": document,
            "doc": document,
            "files": list(document.files.order_by("purpose", "order", "pk")),
            "addresses": sorted(
                document.addresses.select_related("organization", "user"),
                key=lambda address: address.role != "main",
            ),
            "trail": selectors.workflow_trail(document),
            "corrections": list(document.corrections.order_by("created_at", "pk")),
            "can": _buttons(user, document),
            "today": document.dated,
            "Status": Status,
        },
    )


def _buttons(user, document: Document) -> dict:
    """Which workflow buttons to show (the services decide again on the POST)."""
    scope = scope_of(user)
    path_ = document.issuer.path

    def holds(code):
        return scope.covers(code, path_)

    status = document.status
    return {
        "edit": status == Status.DRAFT and holds(DRAFT_DOCUMENT),
        "delete": status == Status.DRAFT and holds(DRAFT_DOCUMENT),
        "submit": status == Status.DRAFT and holds(DRAFT_DOCUMENT),
        "review": status == Status.REVIEWING
        and holds(REVIEW_DOCUMENT)
        and document.drafted_by_id != user.pk,
        "sign": status == Status.SIGNING and holds(SIGN_DOCUMENT),
        "issue": status == Status.SIGNED and holds(ISSUE_DOCUMENT),
        "return": (status == Status.REVIEWING and holds(REVIEW_DOCUMENT))
        or (status == Status.SIGNING and (holds(SIGN_DOCUMENT) or holds(REVIEW_DOCUMENT)))
        or (status == Status.SIGNED and (holds(ISSUE_DOCUMENT) or holds(SIGN_DOCUMENT))),
        "withdraw": status == Status.ISSUED and holds(ISSUE_DOCUMENT) and not document.signed_count,
        "correct": status == Status.ISSUED and holds(ISSUE_DOCUMENT),
    }


ACTIONS = {"submit", "review", "return", "sign", "issue", "withdraw", "correct", "delete"}
# The state an action leads to: a repeated click finds it reached and is told so quietly.
REACHES = {
    "submit": Status.REVIEWING,
    "review": Status.SIGNING,
    "sign": Status.SIGNED,
    "issue": Status.ISSUED,
    "withdraw": Status.WITHDRAWN,
}
DONE = {
    "submit": "已提交核稿，核稿人会收到消息。",
    "review": "核稿通过，已送负责人签发。",
    "return": "已退回拟稿人修改。",
    "sign": "已签发，办公室会收到消息编号发文。",
    "withdraw": "公文已撤回，各收文单位已收到撤回通知。",
}


@login_required
@require_POST
def document_action(request, pk, action):
    if action not in ACTIONS:
        raise Http404
    user = request.user
    document = selectors.document_for_sender_or_404(user, pk)
    detail = reverse("documents:outgoing_detail", args=[document.pk])
    try:
        url = _act(request, document, action) or detail
    except ServiceError as exc:
        reached = REACHES.get(action)
        if reached and Document.objects.filter(pk=document.pk, status=reached).exists():
            messages.info(request, "这一步已经完成（可能是重复点击），没有重复操作。")
        else:
            messages.error(request, _error(exc))
        return redirect(detail)
    return redirect(url)


def _act(request, document: Document, action: str) -> str | None:
    user = request.user
    reason = forms.ReasonForm(request.POST)
    reason.is_valid()
    text = reason.cleaned_data.get("reason", "")
    if action == "submit":
        services.document_submit(actor=user, document=document)
    elif action == "review":
        services.document_review(actor=user, document=document)
    elif action == "return":
        services.document_return(actor=user, document=document, reason=text)
    elif action == "sign":
        dated = forms.SignForm(request.POST)
        if not dated.is_valid():
            raise ServiceError("成文日期不正确，请重新选择。")
        services.document_sign(actor=user, document=document, dated=dated.cleaned_data["dated"])
    elif action == "issue":
        services.document_issue(actor=user, document=document)
        messages.success(
            request, f"已发文：{document.number}，分发 {document.recipient_count} 份。"
        )
        return None
    elif action == "withdraw":
        services.document_withdraw(actor=user, document=document, reason=text)
    elif action == "correct":
        correction = services.document_correct(actor=user, document=document)
        messages.success(request, "已生成更正通知稿，请写明更正内容后提交核稿。")
        return reverse("documents:outgoing_edit", args=[correction.pk])
    elif action == "delete":
        title = document.title
        services.document_delete(actor=user, document=document)
        messages.success(request, f"已删除发文稿“{title}”。")
        return reverse("documents:outgoing")
    messages.success(request, DONE[action])
    return None


# ---------------------------------------------------------------- files


@login_required
@require_GET
def document_file(request, pk):
    """A file of a document (sender side, or a holder/reader of a live copy), of a paper
    receipt (its holders and readers) or of a reply (the receiving side and the sender)."""
    stored = (
        DocumentFile.objects.select_related(
            "document__issuer", "receipt__organization", "reply__receipt__document__issuer"
        )
        .filter(pk=parse_id(pk))
        .first()
    )
    if stored is None or not _may_download(request.user, stored):
        raise Http404
    return serve_file(stored.file, kind=stored.file_kind, download_name=stored.title)


def _may_download(user, stored: DocumentFile) -> bool:
    if stored.document_id:
        document = stored.document
        return selectors.sender_may_see(user, document) or selectors.receiver_may_read(
            user, document
        )
    if stored.receipt_id:
        return selectors.receipt_holder_may_see(user, stored.receipt)
    if stored.reply_id:
        receipt = stored.reply.receipt
        if selectors.receipt_holder_may_see(user, receipt):
            return True
        return receipt.document_id is not None and selectors.sender_may_see(user, receipt.document)
    return False


# ---------------------------------------------------------------- 机关代字


@login_required
@require_http_methods(["GET", "POST"])
def prefixes(request):
    user = request.user
    _require_anywhere(user, ISSUE_DOCUMENT)
    organizations = selectors.issuing_organizations(user)
    editing = None
    edit_id = parse_id(request.POST.get("prefix") or request.GET.get("edit"))
    if edit_id:
        editing = (
            IssuerPrefix.objects.filter(pk=edit_id, organization__in=organizations.values("pk"))
            .select_related("organization")
            .first()
        )
        if editing is None:
            raise Http404
    initial = (
        {"code": editing.code, "header": editing.header, "is_default": editing.is_default,
         "is_active": editing.is_active}
        if editing
        else {"is_active": True, "organization": organizations.first()}
    )  # fmt: skip
    post = request.POST if request.method == "POST" else None
    form = forms.PrefixForm(post, user=user, editing=editing, initial=initial)
    if post is not None and form.is_valid():
        data = form.cleaned_data
        try:
            services.prefix_save(
                actor=user,
                organization=editing.organization if editing else data["organization"],
                code=data["code"],
                header=data["header"],
                is_default=data["is_default"],
                is_active=data["is_active"],
                prefix=editing,
            )
        except ServiceError as exc:
            form.add_error(None, _error(exc))
        else:
            messages.success(request, f"机关代字“{data['code']}”已保存。")
            return redirect("documents:prefixes")
    rows = list(selectors.prefixes_of(organizations.values("pk")))
    status = 400 if post is not None else 200
    return render(
        request,
        "documents/outgoing/prefixes.html",
        {"form": form, "rows": rows, "editing": editing},
        status=status,
    )


urlpatterns = [
    path("outgoing/", register, name="outgoing"),
    path("outgoing/new/", document_new, name="outgoing_new"),
    path("outgoing/options/organizations/", organization_options, name="outgoing_org_options"),
    path("outgoing/options/people/", people_options, name="outgoing_people_options"),
    path("outgoing/<int:pk>/", document_detail, name="outgoing_detail"),
    path("outgoing/<int:pk>/edit/", document_edit, name="outgoing_edit"),
    path("outgoing/<int:pk>/<str:action>/", document_action, name="outgoing_action"),
    path("files/<int:pk>/", document_file, name="document_file"),
    path("prefixes/", prefixes, name="prefixes"),
]

"""收文 pages, phone first: the inbox (待签收 first), a received document with one big 签收
button and then its handling (登记, 传阅, 承办, 回复, 退回, 办结), 登记纸质来文, and 我的传阅.

Scope: the inbox lists `access.receipts_handled_by`; a receipt page answers its handlers,
the people it was circulated to and the people named to handle it — anyone else gets 404, as
for a missing one. Every POST calls one service; a refusal comes back as a Chinese message on
the receipt page and changes nothing. 签收 is idempotent in the service; the other forms carry
`SubmitOnce` tokens.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core.exceptions import ServiceError
from dangjian.core.forms import parse_id
from dangjian.core.paging import paginate
from dangjian.core.scope import has_permission
from dangjian.core.search_select import options_response
from dangjian.core.submit_once import SubmitOnce
from dangjian.core.uploads import serve_file
from dangjian.documents import access
from dangjian.documents import selectors_receiving as selectors
from dangjian.documents.forms_receiving import (
    PEOPLE_LIMIT,
    AssignForm,
    CirculateForm,
    PaperForm,
    ReplyForm,
)
from dangjian.documents.models import (
    REFUSED_CLASSIFICATIONS,
    DocumentFile,
    Handling,
    Receipt,
    Urgency,
)
from dangjian.documents.permissions import SIGN_RECEIPT
from dangjian.documents.services import receiving as services

ONCE = "documents"
Status = Receipt.Status


def _require_signer(user) -> None:
    if not has_permission(user, SIGN_RECEIPT) and not Receipt.objects.filter(user=user).exists():
        raise Http404


# ------------------------------------------------------------------------------ 收文 list


@login_required
@require_GET
def inbox(request):
    _require_signer(request.user)
    tab = request.GET.get("tab", "sign")
    if tab not in selectors.TABS:
        tab = "sign"
    filters = {
        "q": request.GET.get("q", "")[:50],
        "urgency": request.GET.get("urgency", ""),
        "scope": "all" if request.GET.get("scope") == "all" else "",
    }
    rows = selectors.inbox(request.user, tab, filters)
    everything = filters["scope"] == "all"
    context = {
        "tab": tab,
        "tabs": selectors.TABS.items(),
        "counts": selectors.inbox_counts(request.user, everything=everything),
        "filters": filters,
        "urgencies": Urgency.choices,
        "may_register_paper": has_permission(request.user, SIGN_RECEIPT),
        "now": timezone.now(),
        **paginate(request, rows),
    }
    return render(request, "documents/receiving/inbox.html", context)


# --------------------------------------------------------------------------- receipt page


@login_required
@require_GET
def receipt_detail(request, pk: int):
    user = request.user
    receipt = selectors.receipt_for_page_or_404(user, pk)
    handler = access.can_handle(user, receipt)
    if handler:
        services.receipt_open(actor=user, receipt=receipt)
    circulation = receipt.circulations.filter(reader=user).first()
    trail = selectors.receipt_trail(receipt)
    my_handling = next((h for h in trail["handlings"] if h.handler_id == user.pk), None)
    once = SubmitOnce(request, f"receipt:{receipt.pk}", namespace=ONCE)
    context = {
        "receipt": receipt,
        "document": receipt.document,
        "handler": handler,
        "circulation": circulation,
        "my_handling": my_handling,
        "open": receipt.status not in selectors.DONE,
        "show_text": receipt.signed_at is not None and receipt.status != Status.CANCELLED,
        "form_token": once.token,
        "now": timezone.now(),
        "refused_levels": REFUSED_CLASSIFICATIONS,
        **trail,
        **_action_forms(user, receipt, handler),
    }
    return render(request, "documents/receiving/receipt.html", context)


def _action_forms(user, receipt: Receipt, handler: bool) -> dict:
    if not handler or receipt.signed_at is None or receipt.status in selectors.DONE:
        return {}
    org_copy = receipt.organization_id is not None
    online = receipt.document_id is not None
    return {
        "may_register": org_copy and not receipt.register_no,
        "may_return": online and receipt.status == Status.SIGNED and not receipt.register_no,
        "circulate_form": CirculateForm(receipt=receipt, auto_id="circ_%s") if org_copy else None,
        "assign_form": AssignForm(receipt=receipt, auto_id="assign_%s") if org_copy else None,
        "reply_form": ReplyForm(auto_id="reply_%s") if online and receipt.reply_required else None,
        "may_archive": not (online and receipt.reply_required and receipt.replied_at is None),
    }


@login_required
@require_GET
def receipt_people(request, pk: int):
    """Options of the person pickers (传阅人, 主办/协办): the receipt's circulation pool."""
    receipt = access.receipt_for_handler_or_404(request.user, pk)
    text = request.GET.get("q", "").strip()[:30]
    people = services.circulation_pool(receipt).order_by("display_name", "pk")
    if text:
        people = people.filter(display_name__icontains=text)
    options = [(u.pk, u.display_name) for u in people[:PEOPLE_LIMIT]]
    return options_response(request, options, empty_label="请选择", limit=PEOPLE_LIMIT)


@login_required
@require_GET
def receipt_file(request, pk: int, file_pk: int):
    """A file on the receipt page: the document's 正文/附件, a paper scan or a reply's file."""
    receipt = selectors.receipt_for_page_or_404(request.user, pk)
    if receipt.signed_at is None or receipt.status == Status.CANCELLED:
        raise Http404
    stored = DocumentFile.objects.filter(pk=file_pk).first()
    if stored is None or not _belongs(stored, receipt):
        raise Http404
    return serve_file(
        stored.file, kind=stored.file_kind, download_name=stored.title, request=request
    )


def _belongs(stored: DocumentFile, receipt: Receipt) -> bool:
    if stored.receipt_id == receipt.pk:
        return True
    if stored.document_id and stored.document_id == receipt.document_id:
        return True
    return bool(stored.reply_id) and stored.reply.receipt_id == receipt.pk


# ------------------------------------------------------------------------------- actions


def _text(request, name: str) -> str:
    return (request.POST.get(name) or "").strip()


def _sign(request, receipt):
    signed = services.receipt_sign(actor=request.user, receipt=receipt)
    if signed:
        return "已签收，请阅读全文并按要求办理。"
    who = receipt.signed_by.display_name if receipt.signed_by_id else ""
    when = timezone.localtime(receipt.signed_at).strftime("%m-%d %H:%M")
    messages.info(request, f"这份公文已由{who}于 {when} 签收，无需重复签收。")
    return None


def _register(request, receipt):
    receipt = services.receipt_register(
        actor=request.user, receipt=receipt, proposal=_text(request, "proposal")
    )
    return f"已登记，收文编号 {receipt.register_no}。"


def _return(request, receipt):
    services.receipt_return(actor=request.user, receipt=receipt, reason=_text(request, "reason"))
    return "已退回发文单位，对方会收到退回理由。"


def _circulate(request, receipt):
    form = CirculateForm(request.POST, receipt=receipt)
    if not form.is_valid():
        raise ServiceError(_first_error(form))
    added = services.receipt_circulate(actor=request.user, receipt=receipt, readers=form.readers())
    if not added:
        return "所选人员已在传阅名单中。"
    return f"已送 {added} 人传阅，他们会收到提醒。"


def _assign(request, receipt):
    form = AssignForm(request.POST, receipt=receipt)
    if not form.is_valid():
        raise ServiceError(_first_error(form))
    rows = services.receipt_assign(
        actor=request.user,
        receipt=receipt,
        lead=form.cleaned_data["lead"],
        assistants=form.assistants(),
        due_on=form.cleaned_data["due_on"],
    )
    return f"已交办，共 {len(rows)} 人承办。"


def _done(request, receipt):
    handling_id = parse_id(request.POST.get("handling"))
    handling = Handling.objects.filter(pk=handling_id, receipt=receipt).first()
    if handling is None:
        raise ServiceError("没有找到这项承办，请刷新页面后重试。")
    services.handling_done(actor=request.user, handling=handling, note=_text(request, "note"))
    return "已记录办理情况。"


def _reply(request, receipt):
    form = ReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        raise ServiceError(_first_error(form))
    services.receipt_reply(
        actor=request.user,
        receipt=receipt,
        text=form.cleaned_data["text"],
        files=form.cleaned_data["files"],
    )
    return "已回复发文单位。"


def _archive(request, receipt):
    services.receipt_archive(actor=request.user, receipt=receipt, note=_text(request, "note"))
    return "已办结。"


def _read(request, receipt):
    circulation = receipt.circulations.filter(reader=request.user).first()
    if circulation is None:
        raise ServiceError("这份公文没有传阅给您。")
    was_read = circulation.read_at is not None
    instruction = _text(request, "instruction")
    services.circulation_read(actor=request.user, circulation=circulation, instruction=instruction)
    if was_read:
        return "批示已保存。" if instruction else "您已阅过这份公文。"
    return "已阅。" + ("批示已保存。" if instruction else "")


ACTIONS = {
    "sign": _sign,
    "register": _register,
    "return": _return,
    "circulate": _circulate,
    "assign": _assign,
    "done": _done,
    "reply": _reply,
    "archive": _archive,
    "read": _read,
}


def _first_error(form) -> str:
    for errors in form.errors.values():
        return errors[0]
    return "请检查填写的内容。"


@login_required
@require_POST
def receipt_action(request, pk: int, action: str):
    run = ACTIONS.get(action)
    if run is None:
        raise Http404
    receipt = selectors.receipt_for_page_or_404(request.user, pk)
    detail = reverse("documents:receipt", args=[receipt.pk])
    once = SubmitOnce(request, f"receipt:{receipt.pk}:{action}", namespace=ONCE)
    if action != "sign" and not once.claim():
        return once.repeated(request, detail)
    try:
        success = run(request, receipt)
    except (ServiceError, ValidationError) as exc:
        once.release()
        messages.error(request, exc.messages[0])
        return redirect(detail)
    once.done(detail)
    if success:
        messages.success(request, success)
    return redirect(detail)


# ---------------------------------------------------------------------------- paper


@login_required
@require_http_methods(["GET", "POST"])
def paper_new(request):
    if not has_permission(request.user, SIGN_RECEIPT):
        raise Http404
    once = SubmitOnce(request, "paper", namespace=ONCE)
    form = PaperForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        if not once.claim():
            return once.repeated(request, reverse("documents:inbox") + "?tab=doing")
        data = dict(form.cleaned_data)
        organization, files = data.pop("organization"), data.pop("files")
        try:
            receipt = services.paper_register(
                actor=request.user, organization=organization, data=data, files=files
            )
        except ServiceError as exc:
            once.release()
            form.add_error(None, exc.messages[0])
        else:
            url = reverse("documents:receipt", args=[receipt.pk])
            once.done(url)
            messages.success(request, f"已登记纸质来文，收文编号 {receipt.register_no}。")
            return redirect(url)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "form_token": once.token}
    return render(request, "documents/receiving/paper_form.html", context, status=status)


# ------------------------------------------------------------------------------ 我的传阅


@login_required
@require_GET
def reading(request):
    tab = "read" if request.GET.get("tab") == "read" else "unread"
    context = {
        "tab": tab,
        "unread": selectors.unread_summary(request.user)["count"],
        "handlings": list(selectors.my_handlings(request.user)[:20]),
        **paginate(request, selectors.reading_list(request.user, tab)),
    }
    return render(request, "documents/receiving/reading.html", context)


urlpatterns = [
    path("inbox/", inbox, name="inbox"),
    path("inbox/paper/new/", paper_new, name="paper_new"),
    path("inbox/<int:pk>/", receipt_detail, name="receipt"),
    path("inbox/<int:pk>/people/", receipt_people, name="receipt_people"),
    path("inbox/<int:pk>/files/<int:file_pk>/", receipt_file, name="receipt_file"),
    path("inbox/<int:pk>/<str:action>/", receipt_action, name="receipt_action"),
    path("reading/", reading, name="reading"),
]

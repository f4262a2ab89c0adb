"""Pages of 公文: the printed 红头文件 (GB/T 9704 layout, `documents.pdf`).

- `pdf`: the sender side (VIEW_DOCUMENT over the issuer) prints the file copy of an issued
  document, without a 份号; a document still in drafting prints as a 草稿 preview.
- `receipt_pdf`: whoever may open the receipt's page — its holder (after signing for it), a
  person it was circulated to, a person named to handle it — prints that copy, with its 份号.

Out of scope answers 404 like a missing document; every print is audited. The PDF opens inline
in the browser's viewer, which is where people print from.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.urls import NoReverseMatch, path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from dangjian.core.pdf import pdf_response
from dangjian.documents import pdf
from dangjian.documents.access import documents_visible_to
from dangjian.documents.models import Document, Receipt
from dangjian.documents.selectors_receiving import receipt_for_page_or_404


def _with_addresses(queryset):
    return queryset.select_related("issuer", "prefix").prefetch_related(
        "addresses__organization", "addresses__user", "files"
    )


@login_required
@never_cache
@require_GET
def document_pdf(request, pk):
    document = _with_addresses(documents_visible_to(request.user)).filter(pk=pk).first()
    if document is None:
        raise Http404
    content = pdf.render_document_pdf(document)
    pdf.document_printed(actor=request.user, document=document)
    return pdf_response(content, pdf.pdf_filename(document))


def _back_to_receipt(request, receipt: Receipt, message: str):
    messages.warning(request, message)
    try:
        return redirect(reverse("documents:receipt", args=[receipt.pk]))
    except NoReverseMatch:
        return redirect("/")


@login_required
@never_cache
@require_GET
def receipt_pdf(request, pk):
    receipt = receipt_for_page_or_404(request.user, pk)
    if receipt.document_id is None:
        raise Http404  # a paper document registered by hand has no text to print
    if receipt.status == Receipt.Status.CANCELLED:
        return _back_to_receipt(request, receipt, "发文单位已撤回该公文，不能再打印。")
    if receipt.signed_at is None:
        return _back_to_receipt(request, receipt, "请先签收该公文，签收后即可打印。")
    document = _with_addresses(Document.objects.filter(pk=receipt.document_id)).get()
    content = pdf.render_document_pdf(document, receipt=receipt)
    pdf.document_printed(actor=request.user, document=document, receipt=receipt)
    return pdf_response(content, pdf.pdf_filename(document, receipt=receipt))


urlpatterns = [
    path("outgoing/<int:pk>/pdf/", document_pdf, name="pdf"),
    path("inbox/<int:pk>/pdf/", receipt_pdf, name="receipt_pdf"),
]

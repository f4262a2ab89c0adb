"""Shared steps of the outgoing tests: a draft of the mine written through the services, and
the workflow walked by the people whose job each step is."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

from dangjian.documents.models import DocType
from dangjian.documents.services import outgoing
from dangjian.documents.services.dispatch import AddressSpec

BODY = "<p>各党支部：</p><p>请于本月底前开展主题党日活动。</p>"


def data(dw, **overrides) -> dict:
    values = {
        "doc_type": DocType.NOTICE,
        "prefix": dw.prefix,
        "title": "关于开展主题党日活动的通知",
        "urgency": "normal",
        "classification": "none",
        "body_html": BODY,
        "signatory": "中共一矿委员会",
        "printer": "中共一矿委员会办公室",
        "reply_required": False,
        "deadline": None,
        "in_reply_to": None,
    }
    values.update(overrides)
    return values


def to_branches(dw) -> list[AddressSpec]:
    return [AddressSpec(organization=dw.branch1), AddressSpec(organization=dw.branch2)]


def draft(dw, addresses=None, **overrides):
    return outgoing.document_create(
        actor=dw.oscar,
        issuer=dw.mine,
        data=data(dw, **overrides),
        addresses=to_branches(dw) if addresses is None else addresses,
    )


def signed(dw, addresses=None, **overrides):
    """A draft taken through 核稿 (olivia) and 签发 (lee)."""
    document = draft(dw, addresses, **overrides)
    outgoing.document_submit(actor=dw.oscar, document=document)
    outgoing.document_review(actor=dw.olivia, document=document)
    outgoing.document_sign(actor=dw.lee, document=document)
    return document


def issued(dw, addresses=None, **overrides):
    document = signed(dw, addresses, **overrides)
    return outgoing.document_issue(actor=dw.oscar, document=document)


def docx(name="正文.docx") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/octet-stream")


def pdf(name="附件.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\n%%EOF\n")

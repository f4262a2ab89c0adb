"""The 红头文件: an issued document printed in the GB/T 9704-2012 layout (domain §8.2).

    版头  份号 (the receipt's copy number, 6 digits), 密级 (内部), 紧急程度 (特急/加急),
          发文机关标志 (the prefix's header, red), 发文字号 (上行文: with 签发人),
          the red separator line
    主体  标题, 主送机关, 正文, 附件说明, 发文机关署名, 成文日期, 附注
    版记  抄送, 印发机关 and 印发日期 between rules, at the foot of the last page; page numbers
          "— 1 —" at the outer corners

A4 with margins 37/26/35/28 mm give the 156 × 225 mm 版心 of the standard; the body is 3号
(16 pt) on a grid of 28 characters × 22 lines. The fonts are the standard's names first
(仿宋_GB2312, 方正小标宋) and then the Noto CJK fonts the Makefile installs, which is what prints
on a machine without the commercial fonts.

The sender prints the file copy without a 份号; a recipient prints its own copy with its
`copy_no`. A document that is not issued prints as a 草稿 preview (no number, a watermark),
a withdrawn one with 已撤回 across it. Every print is audited (`documents.pdf_print`).
"""

from __future__ import annotations

import datetime
import math

import rjieba
from django.template.loader import render_to_string
from django.utils import timezone

from dangjian.audit.services import audit_log
from dangjian.core.pdf import html_to_pdf
from dangjian.documents.models import (
    Classification,
    Document,
    DocumentAddress,
    DocumentFile,
    Receipt,
    Urgency,
)

TEMPLATE = "documents/pdf/document.html"

MM = 72 / 25.4  # points per millimetre
TEXT_WIDTH_MM = 156
# 发文机关标志: at most 15 mm wide and 22 mm high per character (GB/T 9704 §7.2.4); a long name
# gets narrower characters so it stays on one line inside the 版心.
HEADER_MAX_CHAR_MM = 15
HEADER_MAX_HEIGHT_MM = 22
HEADER_WIDTH_MM = 150
HEADER_STRETCH = 1.35  # the characters are drawn taller than wide, as printed mastheads are

# Subtree addresses as a 主送 line says them.
SUBTREE_WORDS = {
    "": "各级党组织",
    "branch": "各党支部",
    "committee": "各党委",
    "general_branch": "各党总支",
    "group": "各党小组",
}


def chinese_date(day: datetime.date | None) -> str:
    """`2026年11月24日`: Arabic numerals, no leading zeros (GB/T 9704 §7.3.5.3)."""
    if day is None:
        return ""
    return f"{day.year}年{day.month}月{day.day}日"


def copy_number(copy_no: int | None) -> str:
    """份号 as printed: six digits, e.g. `000012`."""
    return f"{copy_no:06d}" if copy_no else ""


def _address_name(address: DocumentAddress, issuer) -> str:
    if address.user_id:
        return f"{address.user.display_name}同志"
    org = address.organization
    if not address.include_subtree:
        return org.name
    words = SUBTREE_WORDS.get(address.org_type, SUBTREE_WORDS[""])
    if org.pk == issuer.pk:
        return words
    return f"{org.name}{words}"


def address_line(document: Document, role: str) -> str:
    """The 主送 or 抄送 names of the document, in the order they were written."""
    names: list[str] = []
    for address in document.addresses.all():
        if address.role != role:
            continue
        name = _address_name(address, document.issuer)
        if name not in names:
            names.append(name)
    return ("、" if role == DocumentAddress.Role.MAIN else "，").join(names)


def attachment_lines(note: str, files=()) -> list[str]:
    """附件说明 as lines: `附件：1. …` then the further items under the first one's text.
    Without a note, the titles of the attached files (without their extension) are listed."""
    lines = [line.strip() for line in (note or "").splitlines() if line.strip()]
    if not lines:
        titles = [_stem(f.title) for f in files]
        if len(titles) == 1:
            lines = titles
        else:
            lines = [f"{number}. {title}" for number, title in enumerate(titles, start=1)]
    if lines and not lines[0].startswith("附件"):
        lines[0] = f"附件：{lines[0]}"
    return lines


def _stem(title: str) -> str:
    stem, dot, extension = (title or "").rpartition(".")
    return stem if dot and stem and extension.isalnum() and len(extension) <= 5 else title


def _files(document: Document, purpose: str) -> list:
    rows = [f for f in document.files.all() if f.purpose == purpose]
    return sorted(rows, key=lambda f: (f.order, f.pk))


def _parenthesised(text: str) -> str:
    text = (text or "").strip()
    if not text:
        return ""
    if text.startswith(("（", "(")):
        return text
    return f"（{text}）"


TITLE_CHARS = 20  # 2号 (22 pt) characters on a 156 mm line
_NO_BREAK_BEFORE = set("，、。；：？！”’》）〕")
_NO_BREAK_AFTER = set("“‘《（〔")
_GOOD_BREAK_AFTER = set("，、；：”》）")


def _width(text: str) -> float:
    """Width in em: Latin letters and digits are about half a CJK character."""
    return sum(0.55 if ch.isascii() else 1.0 for ch in text)


def title_lines(title: str) -> list[str]:
    """The 标题 in lines cut between words, upper lines no shorter than lower ones (the
    standard's 梯形 or 菱形, 词意完整)."""
    title = title.strip()
    if _width(title) <= TITLE_CHARS:
        return [title]
    cuts, position = [], 0
    for word in rjieba.cut(title):
        position += len(word)
        cuts.append(position)
    lines: list[str] = []
    start = 0
    while _width(title[start:]) > TITLE_CHARS:
        rest = _width(title[start:])
        target = rest / math.ceil(rest / TITLE_CHARS)
        best, best_score = None, None
        for cut in cuts:
            if not start < cut < len(title):
                continue
            width = _width(title[start:cut])
            if width > TITLE_CHARS:
                break
            if title[cut] in _NO_BREAK_BEFORE or title[cut - 1] in _NO_BREAK_AFTER:
                continue
            score = abs(width - target) + (2 if width < target else 0)
            if title[cut - 1] in _GOOD_BREAK_AFTER:
                score -= 3
            if title[cut] == "的":
                score += 1
            if best_score is None or score <= best_score:
                best, best_score = cut, score
        if best is None:
            best = start + 1
            while _width(title[start : best + 1]) <= TITLE_CHARS:
                best += 1
        lines.append(title[start:best])
        start = best
    lines.append(title[start:])
    return lines


def header_style(header: str) -> dict:
    """Font size (pt) and vertical stretch of the 发文机关标志 for its number of characters."""
    count = max(len(header), 1)
    char_mm = min(HEADER_MAX_CHAR_MM, HEADER_WIDTH_MM / count)
    stretch = min(HEADER_STRETCH, HEADER_MAX_HEIGHT_MM / char_mm)
    return {
        "size": round(char_mm * MM, 2),
        "stretch": round(stretch, 3),
        # The box keeps the unstretched height; the rest is left below as space.
        "extra": round(char_mm * (stretch - 1), 2),
    }


def _watermark(document: Document, receipt: Receipt | None) -> str:
    if document.status == Document.Status.WITHDRAWN or (
        receipt is not None and receipt.status == Receipt.Status.CANCELLED
    ):
        return "已撤回"
    if document.status != Document.Status.ISSUED:
        return "草稿"
    return ""


def document_context(document: Document, *, receipt: Receipt | None = None) -> dict:
    issued = document.status in (Document.Status.ISSUED, Document.Status.WITHDRAWN)
    issued_on = timezone.localtime(document.issued_at).date() if document.issued_at else None
    header = document.prefix.header or document.issuer.name
    number = document.number if issued else f"{document.prefix.code}〔　　〕　号"
    copy_to = address_line(document, DocumentAddress.Role.COPY)
    return {
        "document": document,
        "copy_no": copy_number(receipt.copy_no) if receipt is not None else "",
        "classification": ("内部" if document.classification == Classification.INTERNAL else ""),
        "urgency": (document.get_urgency_display() if document.urgency != Urgency.NORMAL else ""),
        "header": header,
        "header_style": header_style(header),
        "number": number,
        "upward": document.is_upward,
        "signer_name": document.signer_name,
        "title": document.title,
        "title_lines": title_lines(document.title),
        "main_to": address_line(document, DocumentAddress.Role.MAIN),
        "body_html": document.body_html,
        # A body uploaded as a file (DOCX/PDF) instead of written: the print says where it is.
        "body_files": [f.title for f in _files(document, DocumentFile.Purpose.BODY)],
        "attachments": attachment_lines(
            document.attachment_note, _files(document, DocumentFile.Purpose.ATTACHMENT)
        ),
        "signatory": document.signatory or document.issuer.name,
        "dated": chinese_date(document.dated or issued_on),
        "remark": _parenthesised(document.remark),
        "copy_to": f"{copy_to}。" if copy_to else "",
        "printer": document.printer or f"{document.issuer.name}办公室",
        "printed_on": f"{chinese_date(issued_on)}印发" if issued_on else "",
        "watermark": _watermark(document, receipt),
    }


def render_document_pdf(document: Document, *, receipt: Receipt | None = None) -> bytes:
    context = document_context(document, receipt=receipt)
    return html_to_pdf(render_to_string(TEMPLATE, context))


def pdf_filename(document: Document, *, receipt: Receipt | None = None) -> str:
    name = document.number or f"{document.title}（草稿）"
    if receipt is not None and receipt.copy_no:
        name = f"{name}-{copy_number(receipt.copy_no)}"
    return f"{name}.pdf".replace("/", "／")


def document_printed(*, actor, document: Document, receipt: Receipt | None = None) -> None:
    """The audit entry of a print (a printed document is an export of its text)."""
    if receipt is not None:
        organization = receipt.organization or document.issuer
        message = f"打印收文（份号 {copy_number(receipt.copy_no) or '无'}）"
    else:
        organization = document.issuer
        message = "打印发文" if document.status == Document.Status.ISSUED else "打印草稿预览"
    audit_log(
        actor=actor,
        action="documents.pdf_print",
        obj=document,
        organization=organization,
        message=message,
    )

"""Reads of the outgoing part: the 发文登记簿, one document for the sending side, what the
drafting form may offer (issuers, 机关代字, 请示 to answer, organisations and people to address),
and the workflow trail.

The register reads the summary columns of each document (收文单位 / 已签收 / 已回复), never the
receipts, so a document sent to 2 000 organisations costs what any other row costs.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.http import Http404

from dangjian.audit.models import AuditEntry
from dangjian.core.forms import parse_id
from dangjian.core.pinyin import is_pinyin_query
from dangjian.core.scope import minimal_prefixes, scope_condition, scope_of
from dangjian.documents.models import DocType, Document, IssuerPrefix, Receipt
from dangjian.documents.permissions import (
    DRAFT_DOCUMENT,
    ISSUE_DOCUMENT,
    REVIEW_DOCUMENT,
    SIGN_DOCUMENT,
    VIEW_DOCUMENT,
)
from dangjian.orgs.models import Organization

Status = Document.Status
SENDER_PERMISSIONS = (VIEW_DOCUMENT, DRAFT_DOCUMENT, REVIEW_DOCUMENT, SIGN_DOCUMENT, ISSUE_DOCUMENT)

# The register's tabs: key → (label, statuses).
TABS: dict[str, tuple[str, tuple[str, ...]]] = {
    "": ("全部", ()),
    "draft": ("草稿", (Status.DRAFT,)),
    "reviewing": ("审核中", (Status.REVIEWING,)),
    "signing": ("待签发", (Status.SIGNING,)),
    "signed": ("待发文", (Status.SIGNED,)),
    "issued": ("已发文", (Status.ISSUED,)),
    "withdrawn": ("已撤回", (Status.WITHDRAWN,)),
}

# Trail of a document: the audit actions of its workflow, and how the page names them.
TRAIL_ACTIONS = {
    "documents.document_create": "拟稿",
    "documents.document_submit": "提交核稿",
    "documents.document_review": "核稿",
    "documents.document_return": "退回修改",
    "documents.document_sign": "签发",
    "documents.document_issue": "发文",
    "documents.document_withdraw": "撤回",
}


@dataclass(frozen=True)
class RegisterFilters:
    tab: str = ""
    year: int | None = None
    doc_type: str = ""
    text: str = ""
    issuer: Organization | None = None


def is_sender(user) -> bool:
    """Does the user take part in sending documents anywhere (menus, the register)?"""
    scope = scope_of(user)
    return any(scope.has(code) for code in SENDER_PERMISSIONS)


def sender_documents(user):
    """Documents of the issuers in the user's 发文 scope (any of the sending permissions)."""
    scope = scope_of(user)
    paths = minimal_prefixes(path for code in SENDER_PERMISSIONS for path in scope.paths_for(code))
    condition = scope_condition("issuer__path", paths)
    if condition is None:
        return Document.objects.none()
    return Document.objects.filter(condition)


def outgoing_register(user, filters: RegisterFilters):
    """发文登记簿: the documents, newest first, and the count of each tab (one query)."""
    rows = sender_documents(user)
    if filters.issuer is not None:
        rows = rows.filter(issuer__path__startswith=filters.issuer.path)
    if filters.year:
        rows = rows.filter(
            Q(year=filters.year) | Q(year__isnull=True, created_at__year=filters.year)
        )
    if filters.doc_type:
        rows = rows.filter(doc_type=filters.doc_type)
    if filters.text:
        text = filters.text.strip()
        rows = rows.filter(Q(title__icontains=text) | Q(number__icontains=text))
    counts = rows.aggregate(
        **{key or "all": Count("pk", filter=Q(status__in=st) if st else None)
           for key, (_label, st) in TABS.items()}
    )  # fmt: skip
    statuses = TABS.get(filters.tab, TABS[""])[1]
    if statuses:
        rows = rows.filter(status__in=statuses)
    rows = rows.select_related("issuer", "prefix", "drafted_by").order_by(
        "-issued_at", "-updated_at", "-pk"
    )
    tabs = [
        {"key": key, "label": label, "count": counts[key or "all"]}
        for key, (label, _st) in TABS.items()
    ]
    return rows, tabs


def document_for_sender_or_404(user, pk) -> Document:
    """One document for the sending side; out of scope answers like missing."""
    found = (
        sender_documents(user)
        .select_related(
            "issuer", "prefix", "drafted_by", "reviewed_by", "signer", "issued_by",
            "corrects", "in_reply_to",
        )
        .filter(pk=parse_id(pk))
        .first()
    )  # fmt: skip
    if found is None:
        raise Http404
    return found


def register_years(user) -> list[int]:
    this_year = datetime.date.today().year
    years = set(
        sender_documents(user)
        .exclude(year=None)
        .order_by()
        .values_list("year", flat=True)
        .distinct()
    )
    years.add(this_year)
    return sorted(years, reverse=True)


# ---------------------------------------------------------------- the drafting form


def drafting_issuers(user):
    """Organisations the user may draft for: active, in the DRAFT_DOCUMENT scope, and with an
    active 机关代字 (the number of a document needs one), in tree order."""
    with_prefix = IssuerPrefix.objects.filter(is_active=True).values("organization_id")
    return (
        Organization.objects.visible_to(user, DRAFT_DOCUMENT)
        .filter(is_active=True, pk__in=with_prefix)
        .only("pk", "name", "short_name", "code", "path", "depth", "org_type", "is_active")
        .order_by("path")
    )


def issuing_organizations(user):
    """Organisations whose 机关代字 the user keeps (ISSUE_DOCUMENT)."""
    return (
        Organization.objects.visible_to(user, ISSUE_DOCUMENT)
        .filter(is_active=True)
        .only("pk", "name", "short_name", "code", "path", "depth", "org_type", "is_active")
        .order_by("path")
    )


def prefixes_of(organizations):
    return (
        IssuerPrefix.objects.filter(organization__in=organizations)
        .select_related("organization")
        .order_by("organization__path", "-is_default", "code")
    )


def drafting_prefixes(user):
    """Active 机关代字 of the organisations the user drafts for."""
    return prefixes_of(drafting_issuers(user).values("pk")).filter(is_active=True)


def requests_to_answer(user):
    """请示 received by the organisations the user drafts for (what a 批复 may answer)."""
    return (
        Receipt.objects.filter(
            doc_type=DocType.REQUEST, organization__in=drafting_issuers(user).values("pk")
        )
        .exclude(status=Receipt.Status.CANCELLED)
        .select_related("organization")
        .order_by("-sent_at", "-pk")
    )


def addressable_organizations():
    """Any active organisation may be addressed: 下行, 上行 and 平行 documents alike."""
    return (
        Organization.objects.filter(is_active=True)
        .only("pk", "name", "short_name", "code", "path", "depth", "org_type", "is_active")
        .order_by("path")
    )


def addressable_people():
    """Active accounts, but not the three administrators (三员 handle no documents)."""
    from dangjian.accounts.models import RoleAssignment

    administrators = RoleAssignment.objects.exclude(admin_kind="").values("user_id")
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(pk__in=administrators)
        .only("pk", "username", "display_name")
        .order_by("display_name", "pk")
    )


def organization_options(query: str, limit: int) -> list:
    query = (query or "").strip()
    found = addressable_organizations()
    if query:
        found = found.filter(
            Q(name__icontains=query) | Q(short_name__icontains=query) | Q(code__icontains=query)
        )
    return list(found[:limit])


def people_options(query: str, limit: int) -> list:
    query = (query or "").strip()
    found = addressable_people()
    if query:
        condition = Q(display_name__icontains=query)
        if is_pinyin_query(query):
            condition |= Q(username__istartswith=query)
        found = found.filter(condition)
    return list(found[:limit])


# ---------------------------------------------------------------- the detail page


@dataclass(frozen=True)
class TrailStep:
    label: str
    actor: str
    at: datetime.datetime
    note: str


def workflow_trail(document: Document) -> list[TrailStep]:
    """拟稿 / 核稿 / 签发 / 发文 and the returns, who and when, from the audit chain (every
    step writes one entry; the chain is never edited)."""
    rows = AuditEntry.objects.filter(
        object_type=Document._meta.label_lower,
        object_id=str(document.pk),
        action__in=list(TRAIL_ACTIONS),
    ).order_by("created_at", "pk")
    rows = rows.values_list("action", "actor__display_name", "actor_name", "created_at", "message")
    return [
        TrailStep(TRAIL_ACTIONS[action], name or fallback, at, message)
        for action, name, fallback, at, message in rows
    ]


def receiver_may_read(user, document: Document) -> bool:
    """Does the user hold or read a signed, not cancelled receipt of this issued document?
    The text and files are read after 签收 (as on the receipt page), so a guessed file URL
    does not skip the signing."""
    from dangjian.documents.access import receipts_readable_by

    if document.status != Status.ISSUED:
        return False
    return (
        receipts_readable_by(user)
        .filter(document_id=document.pk, signed_at__isnull=False)
        .exclude(status=Receipt.Status.CANCELLED)
        .exists()
    )


def sender_may_see(user, document: Document) -> bool:
    scope = scope_of(user)
    return any(scope.covers(code, document.issuer.path) for code in SENDER_PERMISSIONS)


def receipt_holder_may_see(user, receipt: Receipt) -> bool:
    from dangjian.documents.access import receipts_readable_by

    return receipts_readable_by(user).filter(pk=receipt.pk).exists()


# ---------------------------------------------------------------- waiting work (my todo)

# The step waiting on the user: register tab, todo label, the status, the permission.
WAITING_STEPS = (
    ("reviewing", "待核稿公文", Status.REVIEWING, REVIEW_DOCUMENT),
    ("signing", "待签发公文", Status.SIGNING, SIGN_DOCUMENT),
    ("signed", "待发文公文", Status.SIGNED, ISSUE_DOCUMENT),
)


def workflow_waiting(user) -> list[dict]:
    """Documents waiting for a step the user may take (核稿 never on their own drafts), with
    the register tab that lists them: one query for the three steps."""
    scope = scope_of(user)
    counts = {}
    for key, _label, status, permission in WAITING_STEPS:
        inside = scope_condition("issuer__path", scope.paths_for(permission))
        if inside is None:
            continue
        condition = inside & Q(status=status)
        if status == Status.REVIEWING:
            condition &= ~Q(drafted_by=user)
        counts[key] = Count("pk", filter=condition)
        counts[f"{key}_urgent"] = Count("pk", filter=condition & ~Q(urgency="normal"))
    if not counts:
        return []
    found = Document.objects.filter(
        status__in=[status for _k, _l, status, _p in WAITING_STEPS]
    ).aggregate(**counts)
    return [
        {"tab": key, "label": label, "count": found[key], "urgent": bool(found[f"{key}_urgent"])}
        for key, label, _status, _permission in WAITING_STEPS
        if key in found
    ]

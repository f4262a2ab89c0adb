"""Reads of 组织关系转接, all starting from `Transfer.objects.visible_to` (either side's
subtree). The outgoing list is what the user's subtree sends, the incoming list what is
addressed to it; each row carries its current letter's number and validity as annotations,
so a page of rows is one query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from dangjian.core.rules import rule_value
from dangjian.core.scope import get_visible_or_404, scope_of
from dangjian.core.search_select import OPTION_LIMIT
from dangjian.members.filters import search_q
from dangjian.members.forms.pickers import search
from dangjian.members.models import Member
from dangjian.members.services.status.common import HELD
from dangjian.orgs.models import BRANCH_TYPES, Organization, OrgType
from dangjian.transfers.models import LETTER_OUT, Direction, Letter, State, Transfer
from dangjian.transfers.permissions import (
    APPROVE_TRANSFER,
    REQUEST_TRANSFER,
    VIEW_TRANSFER,
)
from dangjian.transfers.rules import RECEIPT_DAYS

RECEIPT_WAITING = (State.RECEIVED_BY_TARGET, State.ASSIGNED)


def with_letter(queryset):
    current = Letter.objects.filter(transfer=OuterRef("pk"), voided_on__isnull=True).order_by("-id")
    return queryset.annotate(
        letter_number=Subquery(current.values("number")[:1]),
        letter_valid_until=Subquery(current.values("valid_until")[:1]),
    )


def _rows(queryset):
    return with_letter(
        queryset.select_related("person", "sender", "receiver", "assigned_branch")
    ).order_by("-requested_on", "-id")


def outgoing(user):
    return _rows(Transfer.objects.outgoing_for(user, VIEW_TRANSFER))


def incoming(user):
    return _rows(Transfer.objects.incoming_for(user, VIEW_TRANSFER))


def overdue_q(today=None) -> Q:
    """Letters out past their validity, and 回执 not back (or not sent) within the rule's days."""
    today = today or timezone.localdate()
    receipt_due = today - timedelta(days=int(rule_value(RECEIPT_DAYS, on=today)))
    return Q(state__in=LETTER_OUT, letter_valid_until__lt=today) | Q(
        state__in=RECEIPT_WAITING, received_on__lt=receipt_due
    )


def filtered(queryset, *, state: str = "", overdue: bool = False):
    if state == "open":
        queryset = queryset.exclude(state__in=(State.CLOSED, State.RECEIPT_SENT, State.CANCELLED))
    elif state in State.values:
        queryset = queryset.filter(state=state)
    if overdue:
        queryset = queryset.filter(overdue_q())
    return queryset


def transfer_for_user(user, pk) -> Transfer:
    """One transfer either side may see (404 otherwise), with its current letter."""
    queryset = Transfer.objects.select_related(
        "person", "member", "sender", "receiver", "issuing_committee", "assigned_branch"
    )
    return get_visible_or_404(with_letter(queryset), user, VIEW_TRANSFER, pk=pk)


def member_transfers(user, member):
    return _rows(
        Transfer.objects.visible_to(user, VIEW_TRANSFER).filter(person_id=member.person_id)
    )


def current_letter(transfer: Transfer) -> Letter | None:
    return transfer.letters.filter(voided_on__isnull=True).order_by("-id").first()


# ---------------------------------------------------------------- what the user may do next


@dataclass(frozen=True)
class Action:
    verb: str
    label: str
    icon: str
    style: str = "primary"


ACTIONS = {
    "branch_approve": Action("branch_approve", "支部同意", "check2-circle"),
    "issue_letter": Action("issue_letter", "审批并开具介绍信", "file-earmark-text"),
    "received": Action("received", "登记对方已接收", "box-arrow-in-down"),
    "receipt": Action("receipt", "登记回执已收回", "receipt"),
    "close": Action("close", "办结归档", "archive"),
    "expire": Action("expire", "登记介绍信过期", "hourglass-bottom", "outline-warning"),
    "lost": Action("lost", "登记介绍信遗失", "exclamation-octagon", "outline-warning"),
    "reissue": Action("reissue", "补开介绍信", "arrow-repeat"),
    "accept": Action("accept", "接收", "person-check"),
    "verify": Action("verify", "核验", "search"),
    "accept_in": Action("accept_in", "同意接收", "hand-thumbs-up"),
    "assign": Action("assign", "编入支部", "diagram-3"),
    "send_receipt": Action("send_receipt", "登记回执已寄出", "send"),
    "cancel": Action("cancel", "撤销", "x-circle", "outline-danger"),
}


def _covers(user, permission, organization) -> bool:
    return organization is not None and scope_of(user).covers(permission, organization.path)


def next_actions(user, transfer: Transfer) -> list[Action]:
    """The steps this user may take on the transfer now (the services check again)."""
    state, verbs = transfer.state, []
    sender = _covers(user, REQUEST_TRANSFER, transfer.sender)
    committee = _covers(user, APPROVE_TRANSFER, transfer.issuing_committee)
    receiver = _covers(user, APPROVE_TRANSFER, transfer.receiver)
    registrar = _covers(user, REQUEST_TRANSFER, transfer.receiver)
    if transfer.direction == Direction.OUT:
        if state == State.REQUESTED and sender:
            verbs += ["branch_approve", "cancel"]
        elif state == State.BRANCH_APPROVED:
            verbs += ["issue_letter"] if committee else []
            verbs += ["cancel"] if sender else []
        elif state in LETTER_OUT:
            if transfer.receiver_id and receiver:
                verbs.append("accept")
            if committee:
                verbs += ([] if transfer.receiver_id else ["received"]) + ["expire", "lost"]
        elif state in (State.EXPIRED, State.LOST) and committee:
            verbs += ["reissue", "cancel"]
        elif state == State.RECEIVED_BY_TARGET and committee:
            verbs.append("receipt")
        elif state == State.RECEIPT_BACK and committee:
            verbs.append("close")
    else:
        flow = {
            State.REGISTERED: ["verify", "cancel"],
            State.VERIFIED: ["accept_in", "cancel"],
            State.ACCEPTED: ["assign"],
            State.ASSIGNED: ["send_receipt"],
        }
        if receiver:
            verbs += flow.get(state, [])
        elif registrar and state == State.REGISTERED:
            verbs.append("cancel")
    return [ACTIONS[verb] for verb in verbs]


# ---------------------------------------------------------------- who is told


# ---------------------------------------------------------------- the search-backed selects


def transferable_members(user):
    """The members whose transfer the user may request (`transfers.request_transfer` over their
    branch) and whose membership is still held here."""
    return (
        Member.objects.visible_to(user, REQUEST_TRANSFER)
        .filter(status__in=HELD)
        .select_related("person", "organization")
        .order_by("person__pinyin_key", "pk")
    )


def member_options(user, query: str = "", *, limit: int = OPTION_LIMIT) -> list:
    """The member search of the request form: name, pinyin or initials, work number, or a full
    ID number (by its hash) — the members list's search (`members.filters.search_q`)."""
    found = transferable_members(user).filter(search_q(query or ""))
    return list(found.only("pk", "person__name", "organization__name")[:limit])


def destinations():
    """Where a member may go inside the tree: any active 党委, 党总支 or 党支部 of the group (a
    branch may send a member anywhere), whoever asks; only the name and type are shown."""
    return (
        Organization.objects.filter(is_active=True).exclude(org_type=OrgType.GROUP).order_by("path")
    )


def destination_options(query: str = "", *, limit: int = OPTION_LIMIT) -> list:
    """Destinations whose name, short name or code contains the text."""
    found = search(destinations(), query, "name", "short_name", "code")
    return list(found.only("pk", "name", "org_type")[:limit])


def registering_organizations(user):
    """Where an incoming member from outside may be registered: active 党委, 党总支 and 党支部
    in the user's `request_transfer` scope."""
    return (
        Organization.objects.visible_to(user, REQUEST_TRANSFER)
        .filter(is_active=True)
        .exclude(org_type=OrgType.GROUP)
        .order_by("path")
    )


def registering_options(user, query: str = "", *, limit: int = OPTION_LIMIT) -> list:
    found = search(registering_organizations(user), query, "name", "short_name", "code")
    return list(found.only("pk", "name")[:limit])


def receiving_branches(receiver: Organization):
    """The branches a member may join on accept/assign: active branches in the receiver's
    subtree (the receiver itself when it is one)."""
    return Organization.objects.filter(
        path__startswith=receiver.path, is_active=True, org_type__in=BRANCH_TYPES
    ).order_by("path")


def branch_options(receiver: Organization, query: str = "", *, limit: int = OPTION_LIMIT) -> list:
    found = search(receiving_branches(receiver), query, "name", "short_name", "code")
    return list(found.only("pk", "name")[:limit])


def destination_label(organization: Organization) -> str:
    return f"{organization.name}（{organization.get_org_type_display()}）"


def member_label(member: Member) -> str:
    return f"{member.person.name}（{member.organization.name}）"

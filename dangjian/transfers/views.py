"""`/transfers/`: the outgoing and incoming lists, a transfer's page with its timeline and next
steps, one form per step, the request and registration forms, and the printed letter.

Each page parses its form, calls one service and redirects (post/redirect/get). A transfer
outside the user's scope answers 404, as a missing one; a step the user may not take now is
refused by the service (and not offered as a button).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from dangjian.audit.services import audit_log
from dangjian.core.forms import parse_id
from dangjian.core.paging import paginate
from dangjian.core.pdf import pdf_response, render_pdf
from dangjian.core.scope import has_permission, scope_of
from dangjian.core.search_select import options_response
from dangjian.members import display
from dangjian.members.models import Member
from dangjian.members.permissions import REVEAL_SENSITIVE
from dangjian.transfers import selectors
from dangjian.transfers import services as svc
from dangjian.transfers.forms import RegisterForm, RequestForm, StepForm
from dangjian.transfers.models import Direction, State
from dangjian.transfers.permissions import APPROVE_TRANSFER, REQUEST_TRANSFER, VIEW_TRANSFER
from dangjian.transfers.services import letters
from dangjian.transfers.steps import run_step

STATE_FILTERS = [("", "全部"), ("open", "办理中")] + [
    (value, label) for value, label in State.choices
]


def _require(user, permission):
    if not has_permission(user, permission):
        raise Http404


# ---------------------------------------------------------------- lists


@login_required
@require_GET
def transfer_list(request, tab="out"):
    _require(request.user, VIEW_TRANSFER)
    state = request.GET.get("state", "")
    state = state if state in dict(STATE_FILTERS) else ""
    overdue = request.GET.get("overdue") == "1"
    rows = selectors.incoming(request.user) if tab == "in" else selectors.outgoing(request.user)
    rows = selectors.filtered(rows, state=state, overdue=overdue)
    context = {
        "tab": tab,
        "state": state,
        "overdue": overdue,
        "states": STATE_FILTERS,
        "today": timezone.localdate(),
        "can_request": has_permission(request.user, REQUEST_TRANSFER),
        **paginate(request, rows),
    }
    return render(request, "transfers/list.html", context)


# ---------------------------------------------------------------- one transfer


@login_required
@require_GET
def transfer_detail(request, pk):
    transfer = selectors.transfer_for_user(request.user, pk)
    person = transfer.person
    actions = selectors.next_actions(request.user, transfer)
    context = {
        "transfer": transfer,
        "person": person,
        "id_masked": display.mask_value("id_number", person.id_number),
        "age": display.age(person),
        "events": transfer.events.all(),
        "letters": transfer.letters.all(),
        "actions": actions,
        "accept_form": _accept_form(transfer) if any(a.verb == "accept" for a in actions) else None,
        "member_url": _member_url(request.user, transfer),
        "can_print": transfer.issuing_committee_id is not None
        and scope_of(request.user).covers(APPROVE_TRANSFER, transfer.issuing_committee.path),
        "today": timezone.localdate(),
    }
    return render(request, "transfers/detail.html", context)


def _accept_form(transfer) -> StepForm:
    """The one-click accept on the transfer's page: today's date, and the branch to choose
    when the letter is addressed to a committee."""
    form = StepForm(
        initial={"accepted_on": timezone.localdate()},
        verb="accept",
        branch_of=_needs_branch("accept", transfer),
        transfer=transfer,
    )
    if "branch" in form.fields:
        widget = form.fields["branch"].widget
        widget.attrs["class"] += " form-select-sm dj-inline-select"
    return form


def _member_url(user, transfer) -> str:
    """The member's page, only for a user who may see the member (not the receiving side
    before it took the member in)."""
    if transfer.member_id is None:
        return ""
    if (
        not Member.objects.visible_to(user, "members.view_member")
        .filter(pk=transfer.member_id)
        .exists()
    ):
        return ""
    return reverse("members:detail", args=[transfer.member_id])


STEP_TITLES = {action.verb: action.label for action in selectors.ACTIONS.values()}
STEP_HINTS = {
    "issue_letter": "审批后生成按年度连续编号的介绍信，可打印三联（存根、介绍信、回执）。",
    "received": "对方党组织（平台外）已接收该党员：登记后该党员党籍状态变为“转出”，"
    "此前原党组织继续承担管理责任。",
    "accept": "接收后，该党员连同全部档案和变更记录转入所选支部，双方办结并自动回传回执。",
    "assign": "编入支部后生成党员记录；回执须在 1 个月内寄回原党组织。",
    "lost": "登记遗失后，原介绍信作废，可补开新介绍信（新编号）。",
    "expire": "介绍信已过有效期仍未被接收：登记过期后可补开介绍信或撤销转接。",
    "cancel": "撤销后该转接结束，介绍信（如有）作废，党员仍留在原支部。",
}


DATE_FIELDS = (
    "approved_on",
    "issued_on",
    "received_on",
    "receipt_on",
    "closed_on",
    "reported_on",
    "accepted_on",
    "verified_on",
    "assigned_on",
    "sent_on",
)


def _initial(verb, transfer) -> dict:
    today = timezone.localdate()
    initial = dict.fromkeys(DATE_FIELDS, today)
    if verb in ("issue_letter", "reissue"):
        initial["validity_days"] = letters.default_validity(transfer, today)
        paid = transfer.dues_paid_through or (
            svc.paid_through(transfer.member) if transfer.member_id else None
        )
        initial["dues_paid_through"] = paid
    return initial


def _needs_branch(verb, transfer):
    receiver = transfer.receiver
    if receiver is None or verb not in ("assign", "accept"):
        return None
    if verb == "assign" or not receiver.is_branch:
        return receiver
    return None


@login_required
@require_http_methods(["GET", "POST"])
def transfer_step(request, pk, verb):
    transfer = selectors.transfer_for_user(request.user, pk)
    if verb not in STEP_TITLES:
        raise Http404
    offered = {action.verb for action in selectors.next_actions(request.user, transfer)}
    form = StepForm(
        request.POST or None,
        initial=_initial(verb, transfer),
        verb=verb,
        branch_of=_needs_branch(verb, transfer),
        transfer=transfer,
    )
    if verb not in offered:
        refusal = f"该转接当前为“{transfer.get_state_display()}”，您不能办理“{STEP_TITLES[verb]}”。"
    else:
        refusal = ""
    posted = request.method == "POST" and not refusal and form.is_valid()
    if posted and _run(form, lambda data: run_step(verb, request.user, transfer, data)) is not None:
        messages.success(request, f"已办理“{STEP_TITLES[verb]}”：{transfer.person.name}。")
        return redirect("transfers:detail", pk=transfer.pk)
    context = {
        "transfer": transfer,
        "form": form,
        "title": STEP_TITLES[verb],
        "hint": STEP_HINTS.get(verb, ""),
        "refusal": refusal,
        "verb": verb,
        "danger": verb in ("cancel", "lost", "expire"),
    }
    status = 409 if refusal and request.method == "POST" else 200
    return render(request, "transfers/step_form.html", context, status=status)


def _run(form, action):
    """The service's result, or None with its refusal attached to the field it names."""
    try:
        return action(form.cleaned_data)
    except ValidationError as refused:
        field = getattr(refused, "field", None)
        form.add_error(field if field in form.fields else None, refused.messages[0])
        return None


# ---------------------------------------------------------------- new transfers


@login_required
@require_http_methods(["GET", "POST"])
def transfer_new(request):
    _require(request.user, REQUEST_TRANSFER)
    initial = {"requested_on": timezone.localdate(), "within": "outside"}
    member_id = parse_id(request.GET.get("member"))
    if member_id:
        initial["member"] = member_id
    form = RequestForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        done = _run(
            form,
            lambda data: svc.transfer_request(
                actor=request.user,
                member=data["member"],
                destination=data.get("destination"),
                destination_name=data.get("destination_name", ""),
                in_city=data.get("in_city", False),
                reason=data["reason"],
                requested_on=data["requested_on"],
            ),
        )
        if done is not None:
            messages.success(request, f"已登记{done.person.name}的组织关系转出申请。")
            return redirect("transfers:detail", pk=done.pk)
    return render(
        request,
        "transfers/new_form.html",
        {"form": form, "title": "组织关系转出申请", "kind": "out", "tab": "out"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def transfer_register(request):
    _require(request.user, REQUEST_TRANSFER)
    form = RegisterForm(
        request.POST or None, initial={"registered_on": timezone.localdate()}, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        done = _run(
            form,
            lambda data: svc.transfer_register_incoming(
                actor=request.user,
                receiver=data["receiver"],
                name=data["name"],
                id_number=data["id_number"],
                category=data["category"],
                joined_on=data["joined_on"],
                full_member_on=data.get("full_member_on"),
                origin_name=data["origin_name"],
                origin_letter_number=data.get("origin_letter_number", ""),
                registered_on=data["registered_on"],
                dues_paid_through=data.get("dues_paid_through"),
                reason=data.get("reason", ""),
            ),
        )
        if done is not None:
            messages.success(request, f"已登记{done.person.name}的组织关系转入。")
            return redirect("transfers:detail", pk=done.pk)
    return render(
        request,
        "transfers/new_form.html",
        {"form": form, "title": "平台外转入登记", "kind": "in", "tab": "in"},
    )


# ---------------------------------------------------------------- the search-backed selects


def _options(request, options: list, empty_label: str):
    """`<option>`s for a search-backed select (the platform's shared partial)."""
    return options_response(request, options, empty_label=empty_label)


@login_required
@require_GET
def member_options(request):
    """The request form's member search: members in the user's `request_transfer` scope."""
    _require(request.user, REQUEST_TRANSFER)
    found = selectors.member_options(request.user, request.GET.get("q", ""))
    return _options(request, [(m.pk, selectors.member_label(m)) for m in found], "请选择党员")


@login_required
@require_GET
def destination_options(request):
    """The request form's in-tree destination search: any 党委, 党总支 or 党支部 of the group
    (a branch may send a member anywhere in it), shown by name and type only."""
    _require(request.user, REQUEST_TRANSFER)
    found = selectors.destination_options(request.GET.get("q", ""))
    options = [(org.pk, selectors.destination_label(org)) for org in found]
    return _options(request, options, "请选择党委、党总支或党支部")


@login_required
@require_GET
def receiver_options(request):
    """The registration form's receiver search: organisations in the user's `request_transfer`
    scope."""
    _require(request.user, REQUEST_TRANSFER)
    found = selectors.registering_options(request.user, request.GET.get("q", ""))
    return _options(request, [(org.pk, org.name) for org in found], "请选择")


@login_required
@require_GET
def branch_options(request, pk):
    """The branch search of accept/assign: branches under the transfer's receiver, for a user
    holding `approve_transfer` over it (404 for anyone else, as a transfer out of scope)."""
    transfer = selectors.transfer_for_user(request.user, pk)
    receiver = transfer.receiver
    if receiver is None or not scope_of(request.user).covers(APPROVE_TRANSFER, receiver.path):
        raise Http404
    found = selectors.branch_options(receiver, request.GET.get("q", ""))
    return _options(request, [(org.pk, org.name) for org in found], "请选择党支部")


# ---------------------------------------------------------------- the printed letter


@login_required
@require_GET
def letter_pdf(request, pk):
    """The letter in the three-part layout. The full ID number is printed only for holders of
    `members.reveal_sensitive` over the sending (or receiving) organisation; the print is an
    audited export either way."""
    transfer = selectors.transfer_for_user(request.user, pk)
    letter = letters.current_letter(transfer)
    if letter is None or transfer.direction != Direction.OUT:
        raise Http404
    side = transfer.sender or transfer.receiver
    if not scope_of(request.user).covers(APPROVE_TRANSFER, transfer.issuing_committee.path):
        raise PermissionDenied
    person = transfer.person
    full = scope_of(request.user).covers(REVEAL_SENSITIVE, side.path)
    id_shown = person.id_number if full else display.mask_value("id_number", person.id_number)
    context = {
        "transfer": transfer,
        "letter": letter,
        "person": person,
        "id_number": id_shown,
        "age": display.age(person, letter.issued_on),
    }
    content = render_pdf("pdf/transfers/letter.html", context)
    audit_log(
        actor=request.user,
        action="transfers.letter_print",
        obj=transfer,
        organization=transfer.issuing_committee,
        after={"letter": letter.number, "full_id_number": full},
        message=f"打印介绍信 {letter.number}（{person.name}）",
    )
    return pdf_response(content, f"组织关系介绍信-{person.name}-{letter.number}.pdf")


urlpatterns = [
    path("", transfer_list, name="list"),
    path("incoming/", transfer_list, {"tab": "in"}, name="incoming"),
    path("new/", transfer_new, name="new"),
    path("incoming/new/", transfer_register, name="register"),
    path("new/members/", member_options, name="member_options"),
    path("new/destinations/", destination_options, name="destination_options"),
    path("incoming/new/organizations/", receiver_options, name="receiver_options"),
    path("<int:pk>/branches/", branch_options, name="branch_options"),
    path("<int:pk>/", transfer_detail, name="detail"),
    path("<int:pk>/letter.pdf", letter_pdf, name="letter"),
    path("<int:pk>/<slug:verb>/", transfer_step, name="step"),
]

"""One step of a case: its form (what the step needs), the rule check and the override.

GET shows the form (with a dry run of the rules for the chosen date through HTMX); POST runs
the step's services in one transaction. When the rules refuse, the page says which rule, its
source, the dates involved and — prominently — the earliest date the step can pass; holders of
`development.override_rule` may then give a written reason and submit again.
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from dangjian.development import selectors_ui as select
from dangjian.development import services
from dangjian.development.checks import StepBlocked, probation_end
from dangjian.development.forms import VOTE_PURPOSES, StepForm, step_page
from dangjian.development.models import MaterialKind, SponsorKind, StepCode, Vote
from dangjian.development.steps import STEPS
from dangjian.development.views.common import (
    SubmitOnce,
    case_or_404,
    case_url,
    errors_into,
    files,
    posted,
    shown_blocks,
)
from dangjian.development.votes import entitled_voters

S = StepCode


def _date_from(value, default):
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return default


@login_required
@require_http_methods(["GET", "POST"])
def step(request, pk, code):
    if code not in STEPS or code == S.APPLICATION:
        raise Http404
    case = case_or_404(request, pk)
    spec = STEPS[code]
    can = select.case_abilities(request.user, case)
    allowed = {s.code for s in services.available_steps(actor=request.user, case=case)}
    if not (can["manage"] or can["approve"]):
        raise Http404
    if request.GET.get("preview") and request.htmx:
        return _preview(request, case, code)
    refusal = "" if code in allowed else _refusal(case, spec, can)
    once = SubmitOnce(request, f"step:{case.pk}:{code}")
    if request.method == "POST" and not once.claim():
        return once.repeated(request, case_url(case))
    today = timezone.localdate()
    entitled = entitled_voters(case.organization, today) if code in VOTE_PURPOSES else None
    form = StepForm(
        posted(request),
        files(request),
        case=case,
        code=code,
        entitled=entitled,
        initial={"done_on": today},
    )
    blocks = []
    form.fields["done_on"].widget.attrs.update(
        {
            "hx-get": request.path + "?preview=1",
            "hx-trigger": "change",
            "hx-target": "#step-preview",
            "hx-sync": "this:replace",
        }
    )
    if request.method == "POST":
        if can["override"]:
            form.allow_override(request.POST.getlist("override_rules"))
        if not refusal and form.is_valid():
            try:
                result = _run(request, case, code, form)
            except StepBlocked as blocked:
                blocks = blocked.blocks
                _offer_override(form, blocks, can)
            except PermissionDenied:
                form.add_error(None, "您没有办理这一步骤的权限（须由上级党委办理）。")
            except ValidationError as refused:
                errors_into(form, refused)
            else:
                once.done(case_url(case))
                messages.success(request, _success_text(case, code, result))
                return redirect(case_url(case))
        once.release()
    context = {
        "case": case,
        "person": case.person,
        "spec": spec,
        "page": step_page(code),
        "form": form,
        "token": once.token,
        "refusal": refusal,
        "blocks": shown_blocks(blocks),
        "can": can,
        "vote": code in VOTE_PURPOSES,
        "probation_end_preview": _probation_end(case, form),
    }
    return render(request, "development/step_form.html", context)


def _refusal(case, spec, can) -> str:
    if case.state not in spec.from_states:
        states = "、".join(str(type(case).State(s).label) for s in spec.from_states) or "—"
        return f"“{spec.label}”只能在{states}阶段办理，该申请人目前是“{case.get_state_display()}”。"
    if spec.is_committee_step and not can["approve"]:
        return f"“{spec.label}”须由上级党委办理，您没有这一权限。"
    if not spec.is_committee_step and not can["manage"]:
        return f"“{spec.label}”须由党支部办理，您没有这一权限。"
    return f"“{spec.label}”已经办理过，不能重复办理。"


def _offer_override(form, blocks, can) -> None:
    """Offer the override only when every blocking rule may be overridden by this user."""
    keys = [b.rule_key for b in blocks if b.overridable]
    if can["override"] and keys and len(keys) == len(blocks):
        form.allow_override(keys)
    else:
        form.allow_override([])


def _preview(request, case, code):
    """The dry run for the date being typed: what would block, and the earliest date."""
    done_on = _date_from(request.GET.get("done_on"), None)
    blocks = []
    if done_on is not None:
        try:
            blocks = services.step_preview(
                actor=request.user, case=case, code=code, done_on=done_on
            )
        except (ValidationError, PermissionDenied):
            blocks = []
    context = {
        "blocks": shown_blocks(blocks),
        "done_on": done_on,
        "probation_end": probation_end(done_on)
        if done_on and code == S.ACCEPTANCE_MEETING
        else None,
    }
    return render(request, "development/_step_preview.html", context)


def _probation_end(case, form):
    """On the acceptance meeting's form: the 预备期 end the chosen date would give."""
    if form.code != S.ACCEPTANCE_MEETING:
        return None
    if not form.is_bound:
        return {"generic": True}
    day = _date_from(form.data.get("done_on"), None)
    return {"day": day, "end": probation_end(day)} if day else {"generic": True}


# ---------------------------------------------------------------- running a step


@transaction.atomic
def _run(request, case, code, form):
    data, actor = form.cleaned_data, request.user
    done_on = data["done_on"]
    if "sponsors" in data:
        kind = SponsorKind.CONTACT if code == S.CONTACTS else SponsorKind.INTRODUCER
        _sponsors(actor, case, kind, data["sponsors"], done_on)
    if "passed" in data:
        services.political_review_record(
            actor=actor,
            case=case,
            concluded_on=done_on,
            passed=data["passed"],
            conclusion=data.get("conclusion", ""),
        )
    if "training_title" in data:
        services.training_record(
            actor=actor,
            case=case,
            title=data["training_title"],
            starts_on=data["starts_on"],
            ends_on=done_on,
            days=data.get("days") or 0,
            hours=data.get("hours") or 0,
            organizer=data.get("organizer", ""),
            certificate_number=data.get("certificate_number", ""),
        )
    if code in VOTE_PURPOSES:
        vote = services.vote_record(
            actor=actor,
            case=case,
            purpose=VOTE_PURPOSES[code],
            meeting_on=done_on,
            entitled=data["entitled"],
            present=data["present"],
            yes=data["yes"],
            no=data["no"],
            abstain=data["abstain"],
            written_yes=data["written_yes"],
            method=data["method"],
            note=data.get("note", ""),
        )
        if data.get("record_vote_only"):
            return vote
    recorded = services.step_record(
        actor=actor,
        case=case,
        code=code,
        done_on=done_on,
        note=_note(code, data),
        document_number=data.get("document_number", ""),
        override_rules=form.overriding(),
        override_reason=(data.get("override_reason") or "").strip() if form.overriding() else "",
        **_extra(code, data),
    )
    if data.get("material_file"):
        page = step_page(code)
        services.material_upload(
            actor=actor,
            case=case,
            kind=page.material,
            title=f"{case.person.name}{_material_label(page.material)}",
            upload=data["material_file"],
            step=recorded,
            dated_on=done_on,
        )
    return recorded


def _material_label(kind: str) -> str:
    return str(MaterialKind(kind).label)


def _note(code, data) -> str:
    note = data.get("note", "")
    if code == S.ACTIVIST and data.get("recommendation"):
        return f"推荐方式：{data['recommendation']}。{note}".strip()
    return note


def _extra(code, data) -> dict:
    if code == S.EXTENSION:
        return {"months": data.get("months")}
    if code == S.ASSIGNMENT:
        return {"party_group": data.get("party_group")}
    return {}


def _sponsors(actor, case, kind, members, assigned_on) -> None:
    existing = {s.member_id for s in case.sponsors.all() if s.kind == kind}
    for member in members:
        if member.pk not in existing:
            services.sponsor_add(
                actor=actor, case=case, kind=kind, member=member, assigned_on=assigned_on
            )


def _success_text(case, code, result) -> str:
    name = case.person.name
    if isinstance(result, Vote):
        outcome = "通过" if result.passed else "未通过"
        return f"已登记{name}的支部大会表决结果（{outcome}），本步骤未办理。"
    case.refresh_from_db()
    text = f"已为{name}办理“{STEPS[code].label}”，目前状态：{case.get_state_display()}。"
    if code == S.ACCEPTANCE_MEETING and case.probation_ends_on:
        text += (
            f"预备期自 {case.accepted_on:%Y-%m-%d} 起，至 {case.probation_ends_on:%Y-%m-%d} 期满。"
        )
    return text


urlpatterns = [
    path("cases/<int:pk>/steps/<slug:code>/", step, name="step"),
]

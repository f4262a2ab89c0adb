"""The case list (filters, search, paginated in the database), opening a case for an applicant
and the case page: the 25 steps by stage, deadlines, materials and the next allowed steps."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from dangjian.core.forms import parse_id
from dangjian.core.paging import paginate
from dangjian.core.scope import has_permission
from dangjian.development import selectors, services
from dangjian.development import selectors_ui as select
from dangjian.development.checks import StepBlocked
from dangjian.development.deadlines import EARLIEST
from dangjian.development.forms import (
    UNIT_OPTION_LIMIT,
    ApplicantNewForm,
    CaseFilterForm,
    CaseOpenForm,
)
from dangjian.development.models import MaterialKind, Stage, State, StepCode
from dangjian.development.permissions import MANAGE_DEVELOPMENT
from dangjian.development.steps import STEPS
from dangjian.development.views.common import (
    SubmitOnce,
    case_or_404,
    case_url,
    errors_into,
    files,
    posted,
    require_anywhere,
    shown_blocks,
)
from dangjian.development.views.home import _viewer_or_own_case
from dangjian.members.forms.pickers import search
from dangjian.members.services.applicants import applicant_person_create
from dangjian.members.services.people import RecordInvalid

PER_PAGE = 20


# ---------------------------------------------------------------- the list


@login_required
@require_GET
def case_list(request):
    own = _viewer_or_own_case(request)
    if own is not None:
        return own
    user = request.user
    form = CaseFilterForm(request.GET or None, organizations=select.filter_organizations(user))
    if form.is_bound and not form.is_valid():
        cases = selectors.cases_for(user).none()
    else:
        data = form.cleaned_data if form.is_bound else {}
        cases = select.filtered_cases(
            user,
            q=data.get("q", ""),
            state=data.get("state", ""),
            organization=data.get("org"),
            open_only=data.get("open_only", False),
        )
    context = paginate(request, cases, PER_PAGE)
    context |= {"form": form, "can_create": has_permission(user, MANAGE_DEVELOPMENT)}
    if request.htmx and request.htmx.target == "case-results":
        return render(request, "development/_case_results.html", context)
    return render(request, "development/case_list.html", context)


# ---------------------------------------------------------------- opening a case


def _opening(request, purpose: str, build_form, opener, success: str):
    """What both ways of opening a case share: the one-time token, the branches offered, the
    form's refusals (`form.blocks`), and the redirect to the new case. Returns (response, form,
    token); the response is set once the POST is settled."""
    require_anywhere(request.user, MANAGE_DEVELOPMENT)
    once = SubmitOnce(request, purpose)
    if request.method == "POST" and not once.claim():
        return once.repeated(request, reverse("development:case_list")), None, once.token
    branches = select.branches_for(request.user)
    initial = {"received_on": timezone.localdate()}
    if branches.count() == 1:
        initial["organization"] = branches.first()
    form = build_form(branches, initial)
    form.blocks = []
    if request.method == "POST":
        case = opener(request, form) if form.is_valid() else None
        if case is not None:
            url = case_url(case)
            once.done(url)
            messages.success(request, success.format(name=case.person.name))
            return redirect(url), form, once.token
        once.release()
    return None, form, once.token


@login_required
@require_http_methods(["GET", "POST"])
def case_new(request):
    user = request.user
    response, form, token = _opening(
        request,
        "case_new",
        lambda branches, initial: CaseOpenForm(
            posted(request),
            files(request),
            branches=branches,
            people=select.eligible_people(user),
            initial=initial,
        ),
        _open,
        "已为{name}建立发展党员档案。",
    )
    if response is not None:
        return response
    chosen = form.cleaned_data.get("person") if form.is_bound and form.is_valid() else None
    if chosen is None and form.is_bound:
        chosen = select.eligible_people(user).filter(pk=parse_id(form.data.get("person"))).first()
    context = {"form": form, "token": token, "chosen": chosen, "blocks": shown_blocks(form.blocks)}
    return render(request, "development/case_new.html", context)


class _Refused(Exception):
    """The case was refused (errors already on the form): roll back the enclosing transaction."""


def _open(request, form, *, raise_errors: bool = False):
    data = form.cleaned_data
    try:
        with transaction.atomic():
            case = services.case_open(
                actor=request.user,
                person=data["person"],
                organization=data["organization"],
                applied_on=data["applied_on"],
                received_on=data["received_on"],
                planned_leave_on=data.get("planned_leave_on"),
                note=data.get("note", ""),
            )
            if data.get("application_file"):
                services.material_upload(
                    actor=request.user,
                    case=case,
                    kind=MaterialKind.APPLICATION,
                    title=f"{case.person.name}入党申请书",
                    upload=data["application_file"],
                    dated_on=data["applied_on"],
                )
    except StepBlocked as blocked:
        form.blocks = blocked.blocks
        form.add_error(None, "不能建立档案：" + blocked.blocks[0].message)
    except PermissionDenied:
        form.add_error("organization", "您不能在该党支部办理发展党员。")
    except ValidationError as refused:
        errors_into(form, refused)
    else:
        return case
    if raise_errors:
        raise _Refused
    return None


# ---------------------------------------------------------------- a new person and the case


@login_required
@require_http_methods(["GET", "POST"])
def case_new_person(request):
    """新建人员档案并登记申请: a worker without any record. The person (held by the branch) and
    the case (step 1) are created in one transaction; any refusal leaves neither."""
    response, form, token = _opening(
        request,
        "case_new_person",
        lambda branches, initial: ApplicantNewForm(
            posted(request),
            files(request),
            branches=branches,
            units=select.applicant_units(request.user),
            initial=initial,
        ),
        _open_with_person,
        "已为{name}新建人员档案并建立发展党员档案。",
    )
    if response is not None:
        return response
    context = {"form": form, "token": token, "blocks": shown_blocks(form.blocks)}
    return render(request, "development/case_new_person.html", context)


def _open_with_person(request, form):
    data = form.cleaned_data
    try:
        with transaction.atomic():
            person = applicant_person_create(
                actor=request.user,
                organization=data["organization"],
                values=form.person_values(),
            )
            form.cleaned_data["person"] = person
            case = _open(request, form, raise_errors=True)
    except RecordInvalid as invalid:
        for field, message in invalid.problems:
            form.add_error(field if field in form.fields else None, message)
        return None
    except _Refused:
        return None
    return case


@login_required
@require_GET
def unit_options(request):
    """`<option>`s of the unit picker of the new-applicant form (development scope)."""
    require_anywhere(request.user, MANAGE_DEVELOPMENT)
    query = request.GET.get("unit_q", "")
    units = search(select.applicant_units(request.user), query, "name", "code")
    context = {
        "options": [(unit.pk, unit.name) for unit in units[:UNIT_OPTION_LIMIT]],
        "empty_label": "请选择所在区队或科室",
        "limit": UNIT_OPTION_LIMIT,
        "field": "unit",
    }
    return render(request, "members/_record_options.html", context)


@login_required
@require_GET
def people_options(request):
    """The applicant search: people in scope who are not members and have no open case."""
    require_anywhere(request.user, MANAGE_DEVELOPMENT)
    query = request.GET.get("person_q", "")
    people = select.people_matching(request.user, query)
    return render(
        request,
        "development/_people_options.html",
        {"people": people, "query": query.strip(), "limit": select.PEOPLE_LIMIT},
    )


# ---------------------------------------------------------------- the case page


def timeline(case, steps, available_codes) -> list[dict]:
    """The 25 steps grouped by the 5 stages, each with its records (repeatable steps: all)."""
    done: dict[str, list] = {}
    for step in steps:
        done.setdefault(step.code, []).append(step)
    stages = []
    for stage in Stage:
        rows = [
            {
                "spec": spec,
                "records": done.get(spec.code, []),
                "available": spec.code in available_codes,
            }
            for spec in sorted(STEPS.values(), key=lambda s: s.number or 99)
            if spec.stage == stage and spec.number
        ]
        finished = sum(1 for row in rows if row["records"])
        stages.append({"stage": stage, "rows": rows, "finished": finished, "total": len(rows)})
    return stages


OFF_LINE = (
    StepCode.EXTENSION,
    StepCode.CANCELLATION,
    StepCode.REJECTION,
    StepCode.TRANSFER_OUT,
    StepCode.CLOSE,
)


@login_required
@require_GET
def case_detail(request, pk):
    case = case_or_404(request, pk)
    user = request.user
    context = select.case_context(case)
    can = select.case_abilities(user, case)
    available = (
        services.available_steps(actor=user, case=case) if can["manage"] or can["approve"] else []
    )
    codes = {spec.code for spec in available}
    today = timezone.localdate()
    context |= {
        "case": case,
        "person": case.person,
        "can": can,
        "stages": timeline(case, context["steps"], codes),
        "next_steps": [spec for spec in available if spec.code not in OFF_LINE],
        "other_steps": [spec for spec in available if spec.code in OFF_LINE],
        "off_line_records": [s for s in context["steps"] if s.code in OFF_LINE],
        "deadlines": [
            {
                "item": item,
                "overdue": item.is_overdue(today),
                "earliest": item.kind == EARLIEST,
            }
            for item in selectors.case_deadlines(case, today=today)
        ],
        "today": today,
        "is_probation": case.state in (State.PROBATIONARY, State.PROBATION_EXTENDED),
        "sponsors_editable": can["manage"] and case.state in (State.ACTIVIST, State.CANDIDATE),
        "can_view_member": bool(case.member_id) and has_permission(user, "members.view_member"),
    }
    return render(request, "development/case_detail.html", context)


urlpatterns = [
    path("cases/", case_list, name="case_list"),
    path("cases/new/", case_new, name="case_new"),
    path("cases/new/person/", case_new_person, name="case_new_person"),
    path("cases/people/", people_options, name="people_options"),
    path("cases/units/", unit_options, name="unit_options"),
    path("cases/<int:pk>/", case_detail, name="case_detail"),
]

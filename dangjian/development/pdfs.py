"""The printable forms of the development workflow (through `core.pdf`): 入党积极分子备案表,
发展对象备案表, 公示 notices (发展对象/接收/转正) and the 支部大会 表决记录.

Each builder returns the template's context from the case's stored facts; `form_printed`
writes the audit entry every printed form needs (a printed form is an export).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from dangjian.audit.services import audit_log
from dangjian.core.pdf import render_pdf
from dangjian.core.workdays import working_days_between
from dangjian.development.models import (
    CaseStep,
    DevelopmentCase,
    PublicityPurpose,
    SponsorKind,
    StepCode,
    Vote,
    VoteMethod,
)
from dangjian.development.services import committee_of
from dangjian.development.votes import tally

PRINT_ACTION = "development.pdf"

FORMS = {
    "activist": ("入党积极分子备案表", "pdf/development/activist_filing.html"),
    "candidate": ("发展对象备案表", "pdf/development/candidate_filing.html"),
    "publicity": ("公示", "pdf/development/publicity_notice.html"),
    "vote": ("支部大会表决记录", "pdf/development/vote_record.html"),
}

PUBLICITY_WORDING = {
    PublicityPurpose.CANDIDATE: (
        "拟确定为发展对象的公示",
        "拟将下列同志确定为发展对象",
        ("申请入党时间", "确定为积极分子时间"),
    ),
    PublicityPurpose.ACCEPTANCE: (
        "拟接收预备党员的公示",
        "拟接收下列同志为中共预备党员",
        ("确定为积极分子时间", "确定为发展对象时间"),
    ),
    PublicityPurpose.CONVERSION: (
        "预备党员拟转为正式党员的公示",
        "拟将下列预备党员按期转为中共正式党员",
        ("支部大会接收时间", "预备期满时间"),
    ),
}


def _steps(case) -> dict[str, list]:
    found: dict[str, list] = {}
    for step in CaseStep.objects.filter(case=case).order_by("done_on", "pk"):
        found.setdefault(step.code, []).append(step)
    return found


def _first_date(steps, code):
    rows = steps.get(code)
    return rows[0].done_on if rows else None


def _sponsor_names(case, kind) -> list[str]:
    return [
        sponsor.member.person.name
        for sponsor in case.sponsors.filter(kind=kind).select_related("member__person")
    ]


def _base(case: DevelopmentCase) -> dict:
    return {
        "case": case,
        "person": case.person,
        "branch": case.organization,
        "committee": committee_of(case.organization),
        "printed_on": timezone.localdate(),
        "contacts": _sponsor_names(case, SponsorKind.CONTACT),
    }


def activist_context(case: DevelopmentCase) -> dict:
    steps = _steps(case)
    activist = steps.get(StepCode.ACTIVIST, [None])[0]
    note = activist.note if activist else ""
    recommendation = note.split("。")[0].removeprefix("推荐方式：") if "推荐方式" in note else ""
    return _base(case) | {
        "recommendation": recommendation,
        "branch_opinion": "同意确定为入党积极分子。" if activist else "",
        "step_dates": {"branch": case.activist_on},
        "filed_on": _first_date(steps, StepCode.ACTIVIST_FILING),
    }


def candidate_context(case: DevelopmentCase) -> dict:
    steps = _steps(case)
    publicity = case.publicities.filter(purpose=PublicityPurpose.CANDIDATE).last()
    return _base(case) | {
        "introducers": _sponsor_names(case, SponsorKind.INTRODUCER),
        "reviews": [
            {"date": step.done_on, "note": step.note}
            for step in steps.get(StepCode.ACTIVIST_REVIEW, [])
        ],
        "publicity": {
            "start": publicity.starts_on,
            "end": publicity.ends_on,
            "result": publicity.get_result_display(),
        }
        if publicity
        else None,
        "branch_opinion": "同意列为发展对象。" if case.candidate_on else "",
        "filed_on": _first_date(steps, StepCode.CANDIDATE_FILING),
    }


def publicity_context(publicity) -> dict:
    case = publicity.case
    title, intent, labels = PUBLICITY_WORDING[publicity.purpose]
    dates = {
        PublicityPurpose.CANDIDATE: (case.applied_on, case.activist_on),
        PublicityPurpose.ACCEPTANCE: (case.activist_on, case.candidate_on),
        PublicityPurpose.CONVERSION: (case.accepted_on, case.probation_end),
    }[publicity.purpose]
    return _base(case) | {
        "title": f"关于{case.person.name}同志{title}",
        "intent": intent,
        "date_labels": labels,
        "rows": [{"person": case.person, "dates": dates}],
        "start": publicity.starts_on,
        "end": publicity.ends_on,
        "working_days": publicity.working_days
        or working_days_between(publicity.starts_on, publicity.ends_on),
        "issued_on": publicity.starts_on,
    }


def vote_context(vote: Vote) -> dict:
    case = vote.case
    result = tally(
        entitled=vote.entitled, present=vote.present, yes=vote.yes, written_yes=vote.written_yes
    )
    return _base(case) | {
        "vote": vote,
        "purpose": vote.get_purpose_display(),
        "method": VoteMethod(vote.method).label,
        "quorum": result.has_quorum,
        "passed": result.passed,
        "half": _half(vote.entitled),
        "total_yes": vote.yes + vote.written_yes,
        "note": vote.note,
    }


def _half(number: int) -> str:
    return f"{number / 2:g}"


def render_form(key: str, context: dict) -> bytes:
    return render_pdf(FORMS[key][1], context)


@transaction.atomic
def form_printed(*, actor, case: DevelopmentCase, key: str, detail: str = "") -> None:
    """The audit entry of a printed form (who printed which form of whose case)."""
    audit_log(
        actor=actor,
        action=PRINT_ACTION,
        obj=case,
        organization=case.organization,
        message=f"打印{FORMS[key][0]}：{case.person.name}{detail}",
    )

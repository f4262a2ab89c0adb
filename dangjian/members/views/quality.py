"""数据质量: the checks' summary and completeness scores, the findings of one check, and the
"check again" run with its progress bar.

Everything is read from the stored findings (`QualityIssue`), scoped to the organisations where
the user may manage members; the nightly sweep and the run button refresh them.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.views.decorators.http import require_GET, require_POST

from dangjian.core.exceptions import ServiceError
from dangjian.core.forms import parse_id
from dangjian.core.jobs import job_of_owner_or_404
from dangjian.core.paging import paginate
from dangjian.core.scope import get_visible_or_404, has_permission, scope_of
from dangjian.members.permissions import MANAGE_MEMBER
from dangjian.members.quality import CHECKS, FIX_DETAIL, FIX_STATUS, ordered_checks
from dangjian.members.services import quality as service
from dangjian.orgs.models import Organization

SORTS = {
    "name": lambda score: score.organization.path,
    "members": lambda score: -score.members,
    "score": lambda score: (score.percent is None, score.percent or 0),
    "-score": lambda score: (score.percent is None, -(score.percent or 0)),
}


def _require_manager(user) -> None:
    if not has_permission(user, MANAGE_MEMBER):
        raise PermissionDenied


def _chosen_organization(request):
    """`?org=` narrows the page to one organisation of the user's scope (404 outside it)."""
    raw = request.GET.get("org", "")
    if not raw:
        return None
    pk = parse_id(raw)
    if pk is None:
        raise Http404
    return get_visible_or_404(Organization, request.user, MANAGE_MEMBER, pk=pk)


@login_required
@require_GET
def quality_summary(request):
    _require_manager(request.user)
    organization = _chosen_organization(request)
    tops, children = service.scored_organizations(request.user, organization)
    scores = service.completeness_scores([*tops, *children])
    by_path = {score.organization.path: score for score in scores}
    top_scores = [by_path[top.path] for top in tops]
    sort = request.GET.get("sort", "name")
    child_scores = sorted(
        (by_path[child.path] for child in children), key=SORTS.get(sort, SORTS["name"])
    )
    counts = service.counts_by_check(request.user, organization)
    summed = service.totals(top_scores)
    cards = [
        {
            "check": check,
            "count": counts.get(check.code, 0),
            "percent": _check_percent(top_scores, summed, check.code) if check.scored else None,
        }
        for check in ordered_checks()
    ]
    context = {
        "organization": organization,
        "cards": cards,
        "problem_cards": [card for card in cards if card["count"]],
        "clear_cards": [card for card in cards if not card["count"]],
        "total_findings": sum(counts.values()),
        "top_scores": top_scores,
        "child_scores": child_scores,
        "summed": summed,
        "sort": sort if sort in SORTS else "name",
        "refreshed_at": service.last_refreshed(tops),
        **_run_state(request.user),
    }
    return render(request, "members/quality.html", context)


def _check_percent(top_scores, summed, code: str):
    flagged = sum(score.by_check.get(code, 0) for score in top_scores)
    members = summed["members"]
    return None if not members else (members - min(flagged, members)) * 100 // members


def _run_state(user) -> dict:
    """The unfinished run over the user's scope, if any: theirs shows a progress bar."""
    running = service.running_jobs(scope_of(user).paths_for(MANAGE_MEMBER))
    own = next((job for job in running if job.owner_id == user.pk), None)
    return {"own_job": own, "other_job": None if own else next(iter(running), None)}


@login_required
@require_GET
def quality_findings(request, code: str):
    _require_manager(request.user)
    check = CHECKS.get(code)
    if check is None:
        raise Http404
    organization = _chosen_organization(request)
    findings = (
        service.findings_in_scope(request.user, organization)
        .filter(check_code=code)
        .select_related("organization", "person__membership")
        .order_by("pk")  # the run inserts them by organisation and person
    )
    page = paginate(request, findings)
    fixer = FixLinks(check)
    rows = [{"finding": item, "fix_url": fixer.url(item)} for item in page["page_obj"]]
    context = {
        "check": check,
        "organization": organization,
        "rows": rows,
        "fix_label": fixer.label,
        "refreshed_at": service.last_refreshed(_tops(request.user, organization)),
        **page,
    }
    return render(request, "members/quality_findings.html", context)


def _tops(user, organization):
    if organization is not None:
        return [organization]
    paths = scope_of(user).paths_for(MANAGE_MEMBER)
    return list(Organization.objects.filter(path__in=paths))


class FixLinks:
    """The page that fixes a finding: the check's own (edit, status change) when that page
    exists, else the member's detail page, else none (for instance a person who is not a
    member). Names are resolved once per page, so a missing page never breaks the list."""

    LABELS = {FIX_STATUS: "办理党籍变更", FIX_DETAIL: "查看党员"}

    def __init__(self, check):
        self.name = next((name for name in (check.fix_url, FIX_DETAIL) if _exists(name)), None)
        self.query = "?kind=suspend" if self.name == FIX_STATUS else ""
        self.label = self.LABELS.get(self.name, "去修改")

    def url(self, finding) -> str | None:
        membership = getattr(finding.person, "membership", None) if finding.person else None
        if self.name is None or membership is None:
            return None
        return reverse(self.name, args=[membership.pk]) + self.query


def _exists(name: str) -> bool:
    try:
        reverse(name, args=[1])
    except NoReverseMatch:
        return False
    return True


@login_required
@require_POST
def quality_run(request):
    _require_manager(request.user)
    try:
        service.quality_start(actor=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.info(request, "已开始重新检查，完成后本页会自动显示最新结果。")
    return redirect("members:quality")


@login_required
@require_GET
def quality_progress(request, job_id):
    """The progress bar of the user's own run, polled by HTMX; reloads the page when done."""
    job = job_of_owner_or_404(request.user, job_id)
    if job.kind != service.JOB_KIND:
        raise Http404
    if not request.htmx:  # the bar lives on the page; a bookmarked poll URL opens the page
        return redirect("members:quality")
    if job.is_finished:
        level = messages.SUCCESS if job.status == job.Status.DONE else messages.ERROR
        messages.add_message(request, level, job.message)
        response = render(request, "members/_quality_progress.html", {"job": job})
        response["HX-Refresh"] = "true"
        return response
    return render(request, "members/_quality_progress.html", {"job": job})


urlpatterns = [
    path("quality/", quality_summary, name="quality"),
    path("quality/run/", quality_run, name="quality_run"),
    path("quality/jobs/<uuid:job_id>/", quality_progress, name="quality_progress"),
    path("quality/<slug:code>/", quality_findings, name="quality_findings"),
]

"""Running the data-quality checks, and what the page reads from their findings.

`quality_run` runs every check of `members.quality` for one subtree (or the whole tree) and
replaces that subtree's `QualityIssue` rows in one transaction, so running it twice gives the
same rows. `quality_start` queues a run of a user's scope as a task with a progress job and
refuses a second one while a run over an overlapping part of the tree is unfinished; the
nightly sweep (`members/sweeps.py`) queues the whole tree the same way.

The completeness score of an organisation is the share of its members in good standing (in its
whole subtree) on whom no check found anything, shown 0–100 and rounded down, so 100 means
"nothing found" and never "almost nothing".
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django_tasks import task

from dangjian.audit.models import AuditEntry
from dangjian.audit.services import audit_log
from dangjian.core.exceptions import ServiceError
from dangjian.core.jobs import job_advance, job_create, job_fail, job_finish, job_start
from dangjian.core.models import Job
from dangjian.core.scope import minimal_prefixes, prefix_q, require_in_scope, scope_of
from dangjian.core.services import require_global
from dangjian.core.tasks import enqueue_on_commit
from dangjian.members.models import IN_GOOD_STANDING, Member, QualityIssue
from dangjian.members.permissions import MANAGE_MEMBER
from dangjian.members.quality import CHECKS, Subtree, run_check
from dangjian.orgs.models import Organization, OrgType

JOB_KIND = "members.quality"
RUN_ACTION = "members.quality_run"
# An unfinished run older than this lost its worker; it no longer blocks a new one (the core
# sweep marks it failed after a day).
ABANDONED_AFTER = timedelta(hours=2)
STEP = Organization.steplen
BATCH = 2000
# The flagged counts change only with a run (the cache key names the latest one); the time
# limit only bounds memory.
CACHE_SECONDS = 6 * 3600


# --- Runs --------------------------------------------------------------------------------------


def quality_run(*, organization=None, actor=None, job_id=None) -> dict[str, int]:
    """Run every check over `organization`'s subtree (the whole tree for None) and replace the
    subtree's findings with the new ones; returns the number of findings per check.

    The checks read outside the transaction; the replacement (delete + insert) and its audit
    entry are one transaction, under a lock on the subtree's root and its ancestors, so two
    overlapping runs replace one after the other instead of interleaving.
    """
    path = organization.path if organization is not None else ""
    if actor is not None:
        _require_run(actor, path)
    subtree = Subtree(path=path)
    found = {}
    for check in CHECKS.values():
        found[check.code] = run_check(check.code, subtree)
        if job_id is not None:
            job_advance(job_id, 1, message=f"已完成：{check.title}")
    with transaction.atomic():
        _lock_subtree(path)
        _replace(path, found)
        counts = {code: len(findings) for code, findings in found.items()}
        audit_log(
            actor=actor,
            actor_name="" if actor is not None else "定时任务",
            action=RUN_ACTION,
            organization_path=path,
            object_type="members.qualityissue",
            object_repr=f"数据质量检查：{organization.name if organization else '全部党组织'}",
            after={"counts": counts},
            message=f"数据质量检查完成，共发现 {sum(counts.values())} 个问题",
        )
    return counts


def _require_run(actor, path: str) -> None:
    if path:
        require_in_scope(actor, MANAGE_MEMBER, path)
    else:
        require_global(actor, MANAGE_MEMBER)


def _lock_subtree(path: str) -> None:
    ancestors = [path[:end] for end in range(STEP, len(path) + 1, STEP)]
    roots = Organization.objects.filter(path__in=ancestors) if path else _roots()
    list(roots.select_for_update().values_list("pk", flat=True))


def _roots():
    return Organization.objects.filter(depth=1)


def _replace(path: str, found: dict) -> None:
    stale = QualityIssue.objects.all()
    if path:
        stale = stale.filter(organization__path__startswith=path)
    stale.delete()
    # A plain parametrised INSERT: at group scale (150 000 findings when photos are missing)
    # bulk_create spends more time preparing model instances than the database inserting.
    table = connection.ops.quote_name(QualityIssue._meta.db_table)
    sql = (
        f"INSERT INTO {table} (check_code, person_id, organization_id, detail, found_at) "  # noqa: S608 — the model's own table name; every value is a parameter
        "VALUES (%s, %s, %s, %s, %s)"
    )
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    # Inserted by organisation and person, so the findings list pages in primary-key order (an
    # index walk even for a deep page) and still reads grouped by organisation.
    rows = (
        (code, finding.person_id, finding.organization_id, finding.detail[:300], now)
        for code, findings in found.items()
        for finding in sorted(findings, key=_placement)
    )
    with connection.cursor() as cursor:
        while batch := list(islice(rows, BATCH)):
            cursor.executemany(sql, batch)


def _placement(finding) -> tuple[int, int]:
    return finding.organization_id, finding.person_id or 0


def _overlaps(paths, others) -> bool:
    return any(a.startswith(b) or b.startswith(a) for a in paths for b in others)


def running_jobs(paths) -> list[Job]:
    """Unfinished quality runs over a part of the tree overlapping `paths`."""
    recent = Job.objects.filter(
        kind=JOB_KIND,
        status__in=(Job.Status.QUEUED, Job.Status.RUNNING),
        created_at__gte=timezone.now() - ABANDONED_AFTER,
    ).select_related("owner")
    return [job for job in recent if _overlaps(paths, job.params.get("paths", []))]


def _start(*, owner, paths: tuple[str, ...], title: str) -> Job:
    with transaction.atomic():
        # Serialise starts on the same tree: whoever gets the root lock first sees no run.
        tops = {path[:STEP] for path in paths} if all(paths) else None
        roots = Organization.objects.filter(path__in=tops) if tops else _roots()
        list(roots.select_for_update().values_list("pk", flat=True))
        busy = running_jobs(paths)
        if busy:
            raise ServiceError(_busy_message(busy[0]))
        job = job_create(owner=owner, kind=JOB_KIND, title=title, params={"paths": list(paths)})
        enqueue_on_commit(quality_run_task, job.pk)
    return job


def _busy_message(job: Job) -> str:
    who = job.owner.get_short_name() if job.owner else "夜间定时任务"
    started = timezone.localtime(job.created_at)
    return (
        f"这些党组织的数据质量检查正在进行（{who}于 {started:%H:%M} 发起），"
        "不能同时再发起一次。请等它完成后查看结果，或稍后再重新检查。"
    )


def quality_start(*, actor) -> Job:
    """Queue a run over the actor's scope (every subtree where they may manage members)."""
    paths = scope_of(actor).paths_for(MANAGE_MEMBER)
    if not paths:
        raise PermissionDenied
    return _start(owner=actor, paths=paths, title="数据质量检查")


def quality_sweep_start() -> Job | None:
    """The nightly run of the whole tree; skipped while any run is unfinished (idempotent)."""
    if running_jobs(("",)):
        return None
    try:
        return _start(owner=None, paths=("",), title="数据质量检查（夜间）")
    except ServiceError:
        return None


@task()
def quality_run_task(job_id: str) -> None:
    """Run the checks of a queued job, subtree by subtree, reporting progress."""
    job = Job.objects.select_related("owner").filter(pk=job_id).first()
    if job is None or job.status == Job.Status.DONE:
        return
    owner, paths = job.owner, job.params.get("paths", [])
    if owner is not None and not all(scope_of(owner).covers(MANAGE_MEMBER, path) for path in paths):
        job_fail(job_id, message="检查未进行：发起人已没有维护这些党组织党员信息的权限。")
        return
    subtrees = [None] if "" in paths else list(Organization.objects.filter(path__in=paths))
    job_start(job_id, total=len(CHECKS) * len(subtrees), message="正在检查…")
    try:
        counts = [quality_run(organization=org, actor=owner, job_id=job_id) for org in subtrees]
    except Exception:
        job_fail(job_id, message="检查未能完成，请稍后重试。")
        raise
    total = sum(sum(each.values()) for each in counts)
    job_finish(job_id, message=f"检查完成，共发现 {total} 个问题。")


# --- Reads -------------------------------------------------------------------------------------


def findings_in_scope(user, organization=None):
    """The findings the user may see (those of organisations where they manage members)."""
    findings = QualityIssue.objects.visible_to(user, MANAGE_MEMBER)
    if organization is not None:
        findings = findings.filter(organization__path__startswith=organization.path)
    return findings


def counts_by_check(user, organization=None) -> dict[str, int]:
    rows = findings_in_scope(user, organization).values_list("check_code").annotate(n=Count("pk"))
    return dict(rows.order_by())


def last_refreshed(organizations) -> datetime | None:
    """When the findings of all these subtrees were last replaced: the oldest of their latest
    runs (a run of an ancestor counts), None when one of them was never checked."""
    moments = []
    for organization in organizations:
        covering = [""] + [
            organization.path[:end] for end in range(STEP, len(organization.path) + 1, STEP)
        ]
        latest = (
            AuditEntry.objects.filter(action=RUN_ACTION, organization_path__in=covering)
            .order_by("-id")
            .values_list("created_at", flat=True)
            .first()
        )
        if latest is None:
            return None
        moments.append(latest)
    return min(moments) if moments else None


@dataclass
class Score:
    """Completeness of one organisation's subtree: members in good standing, and how many of
    them have at least one finding (in all, and per check)."""

    organization: Organization
    members: int = 0
    flagged: int = 0
    by_check: dict[str, int] = field(default_factory=dict)

    @property
    def percent(self) -> int | None:
        return _percent(self.members, self.flagged)

    def check_percent(self, code: str) -> int | None:
        return _percent(self.members, self.by_check.get(code, 0))


def _percent(members: int, flagged: int) -> int | None:
    if not members:
        return None
    return (members - min(flagged, members)) * 100 // members


def completeness_scores(organizations) -> list[Score]:
    """Scores of these organisations, whatever their number: the members in good standing are
    the summary column `member_count` (kept by whoever changes membership, orgs/counts.py); the
    members with findings are two GROUP BY queries over the findings, cached until the next run
    (at group scale they read 150 000 findings)."""
    scores = {org.path: Score(org, members=org.member_count) for org in organizations}
    prefixes = minimal_prefixes(scores)
    if not prefixes:
        return []
    flagged, per_check = _flagged_counts(prefixes)
    for path, total in flagged:
        for score in _covering(scores, path):
            score.flagged += total
    for path, code, total in per_check:
        for score in _covering(scores, path):
            score.by_check[code] = score.by_check.get(code, 0) + total
    return list(scores.values())


def _flagged_counts(prefixes) -> tuple[list, list]:
    """(path, members) and (path, check, members): members in good standing with findings, by
    the organisation the findings sit at (the membership's, for nearly every finding)."""
    latest = AuditEntry.objects.filter(action=RUN_ACTION).order_by("-id").values("id").first()
    key = "members.quality.flagged:{}:{}".format(
        latest["id"] if latest else 0, hashlib.sha256("|".join(prefixes).encode()).hexdigest()
    )
    cached = cache.get(key)
    if cached is not None:
        return cached
    good = Member.objects.filter(status__in=IN_GOOD_STANDING).values("person_id")
    findings = QualityIssue.objects.filter(
        prefix_q("organization__path", prefixes), person_id__in=good
    ).order_by()
    distinct = Count("person_id", distinct=True)
    result = (
        list(findings.values_list("organization__path").annotate(n=distinct)),
        list(findings.values_list("organization__path", "check_code").annotate(n=distinct)),
    )
    cache.set(key, result, CACHE_SECONDS)
    return result


def _covering(scores: dict, path: str):
    for end in range(STEP, len(path) + 1, STEP):
        score = scores.get(path[:end])
        if score is not None:
            yield score


def scored_organizations(user, organization=None) -> tuple[list[Organization], list]:
    """The organisations whose scores the page shows: the user's own (the roots of their scope,
    or the one chosen) and, for each, its active children that hold or organise members."""
    if organization is not None:
        tops = [organization]
    else:
        paths = scope_of(user).paths_for(MANAGE_MEMBER)
        tops = list(Organization.objects.filter(path__in=paths).order_by("path"))
    children = []
    for top in tops:
        children.extend(
            Organization.objects.filter(
                depth=top.depth + 1, path__startswith=top.path, is_active=True
            )
            .exclude(org_type=OrgType.GROUP)
            .order_by("sort_order", "path")
        )
    return tops, children


def totals(scores) -> dict:
    """Sums over several scores (the user's whole scope), for the summary."""
    summed = defaultdict(int)
    for score in scores:
        summed["members"] += score.members
        summed["flagged"] += score.flagged
    summed["percent"] = _percent(summed["members"], summed["flagged"])
    return dict(summed)

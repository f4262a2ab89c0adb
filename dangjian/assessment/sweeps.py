"""Reminders of the assessment system (`core.scheduler`, every hour), all idempotent through
`notify(dedupe_key=…)`:

- 自查: when the self-check deadline is a day away or less, the target side of every card not
  yet submitted — once per period;
- 评分: in the last `SCORING_DAYS` days before the scoring deadline, every assessor with leaves
  still to score — one notification per person, period and day, with the count;
- 申诉: when the appeal window of a published period closes within a day, the target side of
  every card with a deduction — once per period.

And once a day (`assessment.daily`): the live-data leaves of every open period are computed
again, so the assessor reads today's 三会一课, 公文 and 党费 records, not those of the day the
period opened; generated bulletins past their retention are deleted.

Every reminder costs a fixed number of queries per period (and one `notify` per assessor),
however many cards the period has.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from dangjian.assessment.models import Indicator, LeafScore, Period, Scorecard
from dangjian.assessment.permissions import MANAGE_PERIOD, SCORE
from dangjian.core.scheduler import periodic
from dangjian.core.scope import minimal_prefixes
from dangjian.notifications.services import notify

BEFORE = dt.timedelta(days=1)
SCORING_DAYS = 3


def _url(name: str, *args) -> str:
    return reverse(name, args=args)


@periodic("assessment.reminders", every=dt.timedelta(hours=1))
def assessment_reminders(*, now=None) -> int:
    """Returns the number of notifications reached on this run (repeats count 0 new rows but
    are counted as reached by `notify`)."""
    now = now or timezone.now()
    sent = 0
    for period in Period.objects.filter(
        status=Period.Status.OPEN, self_check_until__gt=now, self_check_until__lte=now + BEFORE
    ):
        sent += remind_self_check(period)
    for period in Period.objects.filter(
        status=Period.Status.OPEN,
        scoring_until__gt=now,
        scoring_until__lte=now + dt.timedelta(days=SCORING_DAYS),
    ).select_related("template"):
        sent += remind_assessors(period, now=now)
    for period in Period.objects.filter(
        status=Period.Status.PUBLISHED, appeal_until__gt=now, appeal_until__lte=now + BEFORE
    ):
        sent += remind_appeal_window(period)
    return sent


def remind_self_check(period: Period) -> int:
    from dangjian.assessment.services.periods import _card_targets, _tell_targets

    waiting = Scorecard.objects.filter(period=period, status=Scorecard.Status.SELF_CHECK)
    org_ids, person_ids = _card_targets(period, waiting)
    if not org_ids and not person_ids:
        return 0
    until = timezone.localtime(period.self_check_until)
    return _tell_targets(
        period,
        org_ids=org_ids,
        person_ids=person_ids,
        title=f"自查即将截止：{period.name}",
        body=f"请于 {until:%Y-%m-%d %H:%M} 前完成自查、上传佐证材料并提交。",
        url=_url("assessment:my_cards"),
        key=f"assessment-selfcheck-due:{period.pk}",
    )


def remind_appeal_window(period: Period) -> int:
    from dangjian.assessment.services.periods import _card_targets, _tell_targets

    deducted = Scorecard.objects.filter(period=period, deduction_total__gt=0)
    org_ids, person_ids = _card_targets(period, deducted)
    if not org_ids and not person_ids:
        return 0
    until = timezone.localtime(period.appeal_until)
    return _tell_targets(
        period,
        org_ids=org_ids,
        person_ids=person_ids,
        title=f"申诉期即将结束：{period.name}",
        body=f"对扣分有异议的，请于 {until:%Y-%m-%d %H:%M} 前提出申诉，逾期不再受理。",
        url=_url("assessment:period_results", period.pk) or _url("assessment:my_cards"),
        key=f"assessment-appeal-closing:{period.pk}",
    )


def pending_by_assessor(period: Period, *, now=None) -> dict[int, int]:
    """{user id: leaves waiting for that user's score} over the period: leaves of cards that
    were submitted (or whose self-check deadline has passed) without a score, or returned and
    completed again. Read in four queries: the leaves by role, the scored leaves per card and
    role, the cards, the grants of the roles concerned."""
    from dangjian.accounts.models import Role, RoleAssignment

    now = now or timezone.now()
    leaves_per_role: dict[int | None, int] = defaultdict(int)
    for role_id, n in (
        Indicator.objects.filter(template_id=period.template_id, level=Indicator.Level.RULE)
        .values("scorer_role_id")
        .annotate(n=Count("id"))
        .values_list("scorer_role_id", "n")
    ):
        leaves_per_role[role_id] += n
    if not leaves_per_role:
        return {}
    scored: dict[tuple[int, int | None], int] = {}
    for card_id, role_id, n in (
        LeafScore.objects.filter(scorecard__period=period, points__isnull=False)
        .exclude(status=LeafScore.Status.RETURNED)
        .values("scorecard_id", "indicator__scorer_role_id")
        .annotate(n=Count("id"))
        .values_list("scorecard_id", "indicator__scorer_role_id", "n")
    ):
        scored[(card_id, role_id)] = n
    cards = Scorecard.objects.filter(period=period)
    if now < period.self_check_until:
        cards = cards.exclude(status=Scorecard.Status.SELF_CHECK)
    waiting: dict[int | None, list[tuple[str, int]]] = defaultdict(list)
    for card_id, path in cards.values_list("pk", "organization__path").iterator(chunk_size=2000):
        for role_id, total in leaves_per_role.items():
            missing = total - scored.get((card_id, role_id), 0)
            if missing > 0:
                waiting[role_id].append((path, missing))
    if not waiting:
        return {}
    role_ids = [r for r in waiting if r is not None]
    manager_roles = [r.pk for r in Role.objects.all() if MANAGE_PERIOD in (r.permissions or [])]
    score_roles = {r.pk for r in Role.objects.filter(pk__in=role_ids) if SCORE in r.permissions}
    grants = RoleAssignment.objects.filter(
        role_id__in=[*score_roles, *(manager_roles if None in waiting else [])],
        user__is_active=True,
        organization__is_active=True,
    ).values_list("user_id", "role_id", "organization__path")
    prefixes: dict[tuple[int, int | None], list[str]] = defaultdict(list)
    for user_id, role_id, prefix in grants:
        if role_id in score_roles:
            prefixes[(user_id, role_id)].append(prefix)
        if role_id in manager_roles and None in waiting:
            prefixes[(user_id, None)].append(prefix)
    counts: dict[int, int] = defaultdict(int)
    for (user_id, key), paths in prefixes.items():
        tops = minimal_prefixes(paths)
        counts[user_id] += sum(
            n for path, n in waiting[key] if any(path.startswith(top) for top in tops)
        )
    return {user: n for user, n in counts.items() if n}


def remind_assessors(period: Period, *, now=None) -> int:
    now = now or timezone.now()
    day = timezone.localtime(now).date()
    until = timezone.localtime(period.scoring_until)
    sent = 0
    for user_id, count in sorted(pending_by_assessor(period, now=now).items()):
        sent += notify(
            recipients=[user_id],
            title=f"待评分提醒：{period.name}",
            body=f"您还有 {count} 项细则待评分，评分截止 {until:%Y-%m-%d %H:%M}。",
            url=_url("assessment:queue"),
            category="assessment",
            obj=period,
            dedupe_key=f"assessment-scoring:{period.pk}:{day:%Y%m%d}",
        )
    return sent


@periodic("assessment.daily", every=dt.timedelta(days=1))
def assessment_daily(*, now=None) -> int:
    """Returns the number of open periods whose computed scores were refreshed."""
    from dangjian.assessment.bulletin import bulletin_files_expire
    from dangjian.assessment.services.scoring import sources_compute

    refreshed = 0
    for period in Period.objects.filter(status=Period.Status.OPEN).select_related("template"):
        sources_compute(period=period)
        refreshed += 1
    bulletin_files_expire(now=now)
    return refreshed

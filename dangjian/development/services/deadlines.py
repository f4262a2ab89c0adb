"""The stored pending deadlines (`CaseDeadline`): one case's rows recomputed at the end of every
write a deadline depends on (same transaction), and a bulk rebuild for data loads."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from dangjian.development.deadlines import case_deadlines, pending, rules_memo
from dangjian.development.models import (
    OPEN_STATES,
    CaseDeadline,
    CaseStep,
    DevelopmentCase,
    Publicity,
    PublicityResult,
    StepCode,
)

REVIEW_CODES = (StepCode.ACTIVIST_REVIEW, StepCode.PROBATION_REVIEW)
BATCH = 2000
# What the computation reads of a case (no personal fields: nothing to decrypt).
CASE_FIELDS = tuple(
    field.name
    for field in DevelopmentCase._meta.concrete_fields
    if field.name not in ("close_reason",)
)


def _rows(case: DevelopmentCase, today: datetime.date) -> list[CaseDeadline]:
    if not case.is_open:
        return []
    return [
        CaseDeadline(
            case_id=case.pk,
            key=item.key[:64],
            label=item.label[:100],
            due_on=item.due_on,
            rule_key=item.rule_key,
            responsible=item.responsible,
            computed_on=today,
        )
        for item in pending(case_deadlines(case, today, stored=True), today)
    ]


def case_deadlines_refresh(case: DevelopmentCase, *, today: datetime.date | None = None) -> None:
    """Recompute the case's pending deadline rows from its current record (re-read, so a
    caller's stale instance cannot leave stale rows). Call at the end of every service that
    changes a case's dates, state, steps, 公示, votes, sponsors, training or 政审."""
    today = today or timezone.localdate()
    fresh = DevelopmentCase.objects.only(*CASE_FIELDS).get(pk=case.pk)
    CaseDeadline.objects.filter(case_id=case.pk).delete()
    CaseDeadline.objects.bulk_create(_rows(fresh, today))


def _attach_rows(cases: list[DevelopmentCase]) -> None:
    """`review_dates` and `pending_publicities` for a batch (two queries), as
    `deadlines.case_deadlines` reads them."""
    ids = [case.pk for case in cases]
    reviews: dict[int, dict[str, list]] = {}
    steps = CaseStep.objects.filter(case_id__in=ids, code__in=REVIEW_CODES)
    for case_id, code, done_on in steps.values_list("case_id", "code", "done_on"):
        reviews.setdefault(case_id, {}).setdefault(code, []).append(done_on)
    publicities: dict[int, list] = {}
    for publicity in Publicity.objects.filter(case_id__in=ids, result=PublicityResult.PENDING):
        publicities.setdefault(publicity.case_id, []).append(publicity)
    for case in cases:
        case.review_dates = reviews.get(case.pk, {})
        case.pending_publicities = publicities.get(case.pk, [])


@transaction.atomic
def deadlines_rebuild(
    cases=None, *, today: datetime.date | None = None, batch_size: int = BATCH
) -> int:
    """Replace the stored deadlines of `cases` (a queryset or iterable of cases or ids; None:
    every case) by a fresh computation, in batches of `batch_size` cases with `bulk_create`
    (about four queries a batch). Idempotent. Returns the number of rows written. The seed
    calls it once after loading cases."""
    today = today or timezone.localdate()
    if cases is None:
        CaseDeadline.objects.all().delete()
        ids = list(
            DevelopmentCase.objects.filter(state__in=OPEN_STATES)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    else:
        if hasattr(cases, "values_list"):
            ids = list(cases.order_by("pk").values_list("pk", flat=True))
        else:
            ids = sorted({getattr(item, "pk", item) for item in cases})
        for start in range(0, len(ids), batch_size):
            CaseDeadline.objects.filter(case_id__in=ids[start : start + batch_size]).delete()
    written = 0
    with rules_memo():
        for start in range(0, len(ids), batch_size):
            batch = list(
                DevelopmentCase.objects.filter(
                    pk__in=ids[start : start + batch_size], state__in=OPEN_STATES
                ).only(*CASE_FIELDS)
            )
            _attach_rows(batch)
            rows = [row for case in batch for row in _rows(case, today)]
            CaseDeadline.objects.bulk_create(rows, batch_size=batch_size)
            written += len(rows)
    return written

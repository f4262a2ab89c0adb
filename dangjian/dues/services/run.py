"""The monthly run: one ledger row per member owing the month, for an organisation subtree.

Built for the group (150 000 members): a handful of queries whatever the size — the members
owing the month, the month's existing rows, the bases, the carried bases, the approved
hardships — then `bulk_create` in batches with `ignore_conflicts`, so the unique (member, month)
constraint makes a re-run (or two concurrent runs) create nothing twice.
"""

from __future__ import annotations

import calendar
import datetime
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from dangjian.audit.services import audit_log
from dangjian.core.exceptions import ServiceError
from dangjian.core.jobs import job_advance, job_create, job_fail, job_finish, job_start
from dangjian.core.rules import rule_value
from dangjian.core.scope import scope_condition
from dangjian.core.tasks import enqueue_on_commit
from dangjian.dues import rules
from dangjian.dues.models import (
    BaseSource,
    DuesBase,
    EntryStatus,
    Hardship,
    HardshipKind,
    HardshipStatus,
    LedgerEntry,
    MonthlyRun,
)
from dangjian.dues.services.bases import priced_fields
from dangjian.dues.services.common import Pricing, actor_or_none, as_month, require_manage
from dangjian.members.models import IN_GOOD_STANDING, Member, Status
from dangjian.orgs.dates import add_months

BATCH = 2000
# A run may prepare at most this many months ahead (quarterly collection with the branch's
# consent, domain §2.2).
MONTHS_AHEAD = 3


def owing_members(organization, month: datetime.date):
    """Members of the subtree who owe `month`: in good standing and accepted (支部大会,
    `joined_on`) by the end of the month, or transferred out during or after the month (they
    pay up to the month of transfer, domain §2.2)."""
    month_end = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    standing = Q(status__in=IN_GOOD_STANDING) | Q(
        status=Status.TRANSFERRED_OUT, status_changed_on__gte=month
    )
    accepted = Q(joined_on__isnull=True) | Q(joined_on__lte=month_end)
    inside = scope_condition("organization__path", [organization.path])
    return Member.objects.filter(inside, standing, accepted)


def _check_month(month: datetime.date, today: datetime.date) -> None:
    latest = add_months(today.replace(day=1), MONTHS_AHEAD)
    if month > latest:
        raise ServiceError(
            f"最多提前 {MONTHS_AHEAD} 个月生成台账：{month:%Y年%m月}晚于{latest:%Y年%m月}。"
        )


def monthly_run(*, actor, organization, month: datetime.date) -> MonthlyRun:
    """Create the month's rows for the subtree now and return the finished run."""
    month = _validated(actor, organization, month)
    with transaction.atomic():
        run = MonthlyRun.objects.create(
            organization=organization, month=month, actor=actor_or_none(actor)
        )
        _execute(run)
        _audit(actor, run)
    return run


def monthly_run_start(*, actor, organization, month: datetime.date) -> MonthlyRun:
    """Run inline for a small subtree; for a large one (> rule `dues.run_task_members`) create
    a progress job and run as a task after commit (`run.job` is then set)."""
    month = _validated(actor, organization, month)
    size = owing_members(organization, month).count()
    if size <= rule_value(rules.RUN_TASK_MEMBERS):
        return monthly_run(actor=actor, organization=organization, month=month)
    from dangjian.dues.tasks import monthly_run_task

    with transaction.atomic():
        job = job_create(
            owner=actor,
            kind="dues.monthly_run",
            title=f"生成{month:%Y年%m月}党费台账：{organization.name}",
            params={"organization": organization.pk, "month": month.isoformat()},
        )
        run = MonthlyRun.objects.create(
            organization=organization, month=month, actor=actor_or_none(actor), job=job
        )
        _audit(actor, run, message="已转入后台生成")
        enqueue_on_commit(monthly_run_task, run.pk)
    return run


def monthly_run_system(*, month: datetime.date) -> list[MonthlyRun]:
    """The scheduler's run over every tree for a month (no actor: it is the platform's own
    job). Members accepted or moved in since the last run get their row the next morning; a
    run that created nothing leaves no trace."""
    from dangjian.orgs.models import Organization

    month = as_month(month)
    runs = []
    for root in Organization.objects.filter(depth=1, is_active=True).order_by("path"):
        with transaction.atomic():
            run = MonthlyRun.objects.create(organization=root, month=month)
            _execute(run)
            if run.created_count or run.carried_count:
                _audit(None, run, message="系统每日自动生成")
                runs.append(run)
            else:
                run.delete()
    return runs


def monthly_run_resume(run_id: int) -> None:
    """The task body: execute a started run once (a finished run is left alone)."""
    run = MonthlyRun.objects.select_related("organization").filter(pk=run_id).first()
    if run is None or run.finished_at is not None:
        return
    try:
        with transaction.atomic():
            _execute(run)
    except Exception as exc:
        if run.job_id:
            job_fail(run.job_id, message=f"生成失败：{exc}")
        raise


def _validated(actor, organization, month) -> datetime.date:
    require_manage(actor, organization)
    month = as_month(month)
    _check_month(month, timezone.localdate())
    return month


def _audit(actor, run: MonthlyRun, message: str = "") -> None:
    audit_log(
        actor=actor,
        action="dues.monthly_run",
        obj=run,
        organization=run.organization,
        after={
            "month": run.month,
            "created": run.created_count,
            "existing": run.existing_count,
            "carried": run.carried_count,
            "missing_base": run.missing_base_count,
        },
        message=message,
        actor_name="" if actor is not None else "系统（定时任务）",
    )


def _execute(run: MonthlyRun) -> None:
    month = run.month
    members = owing_members(run.organization, month)
    rows = list(members.values_list("pk", "organization_id"))
    if run.job_id:
        job_start(run.job_id, total=max(len(rows), 1), message="正在生成台账")
    member_ids = members.values("pk")
    existing = set(
        LedgerEntry.objects.filter(month=month, member_id__in=member_ids)
        .order_by()  # the ledger's default ordering would sort every row for nothing
        .values_list("member_id", flat=True)
    )
    todo = [(pk, org) for pk, org in rows if pk not in existing]
    bases = _bases(month.year, member_ids, [pk for pk, _ in todo], run)
    hardships = _hardships(month, member_ids)
    entries = []
    for member_id, organization_id in todo:
        base = bases.get(member_id)
        if base is not None:
            entries.append(_entry(member_id, organization_id, month, base, hardships))
    for start in range(0, len(entries), BATCH):
        _insert(entries[start : start + BATCH])
        if run.job_id:
            job_advance(run.job_id, BATCH)
    run.existing_count = len(existing)
    run.created_count = len(entries)
    run.missing_base_count = len(todo) - len(entries)
    run.finished_at = timezone.now()
    run.save(
        update_fields=[
            "existing_count",
            "created_count",
            "carried_count",
            "missing_base_count",
            "finished_at",
        ]
    )
    if run.job_id:
        job_finish(run.job_id, message=_summary(run))


def _summary(run: MonthlyRun) -> str:
    text = f"新建 {run.created_count} 行，已有 {run.existing_count} 行"
    if run.carried_count:
        text += f"，沿用上年基数 {run.carried_count} 人"
    if run.missing_base_count:
        text += f"，{run.missing_base_count} 人未核定基数"
    return text


def _bases(year: int, members, member_ids: list[int], run: MonthlyRun) -> dict[int, tuple]:
    """member id → (category, base, rate, amount) for the year; members without one carry
    their latest earlier base forward (re-priced with this year's table). `members` is the
    subquery of the run's members, `member_ids` those still needing a row."""
    fields = ("member_id", "category", "base", "rate", "monthly_amount")
    found: dict[int, tuple] = {}
    for member_id, *values in DuesBase.objects.filter(year=year, member_id__in=members).values_list(
        *fields
    ):
        found[member_id] = tuple(values)
    missing = [pk for pk in member_ids if pk not in found]
    if missing:
        carried = _carry_forward(year, missing, run)
        found.update(carried)
    return found


def _carry_forward(year: int, member_ids: list[int], run: MonthlyRun) -> dict[int, tuple]:
    latest: dict[int, tuple] = {}
    for chunk in _chunks(member_ids):
        earlier = (
            DuesBase.objects.filter(year__lt=year, member_id__in=chunk)
            .order_by("member_id", "-year")
            .values_list("member_id", "category", "base", "monthly_amount", "rate")
        )
        for member_id, category, base, amount, rate in earlier:
            latest.setdefault(member_id, (category, base, amount, rate))
    if not latest:
        return {}
    pricing = Pricing.for_year(year)
    new_rows, result = [], {}
    for member_id, (category, base, amount, rate) in latest.items():
        fixed = amount if rate is None else None  # a fixed amount the branch chose (农民)
        fields = priced_fields(pricing, category, base, fixed)
        new_rows.append(
            DuesBase(
                member_id=member_id,
                year=year,
                source=BaseSource.CARRIED,
                note=f"沿用以前年度基数（{run.month:%Y年%m月}生成台账时）",
                updated_by_id=run.actor_id,
                **fields,
            )
        )
        result[member_id] = (
            fields["category"],
            fields["base"],
            fields["rate"],
            fields["monthly_amount"],
        )
    DuesBase.objects.bulk_create(new_rows, batch_size=BATCH, ignore_conflicts=True)
    run.carried_count = len(new_rows)
    return result


def _hardships(month: datetime.date, member_ids) -> dict[int, tuple]:
    approved = Hardship.objects.filter(
        status=HardshipStatus.APPROVED,
        first_month__lte=month,
        last_month__gte=month,
        member_id__in=member_ids,
    ).order_by("member_id", "-decided_at")
    result: dict[int, tuple] = {}
    for pk, member_id, kind, amount in approved.values_list(
        "pk", "member_id", "kind", "monthly_amount"
    ):
        result.setdefault(member_id, (pk, kind, amount))
    return result


def _entry(member_id, organization_id, month, base, hardships) -> tuple:
    """One row's values in `INSERT_COLUMNS` order."""
    category, base_amount, rate, amount = base
    status = EntryStatus.UNPAID
    hardship_id = None
    if member_id in hardships:
        hardship_id, kind, reduced = hardships[member_id]
        amount = Decimal(0) if kind == HardshipKind.WAIVE else min(reduced, amount)
    if amount == 0:
        status = EntryStatus.WAIVED
    return (
        member_id,
        organization_id,
        month,
        category,
        base_amount,
        rate,
        amount,
        status,
        hardship_id,
    )


# Written with one parameterised INSERT per batch rather than `bulk_create`: at the group's
# 150 000 rows, building and preparing model instances costs ten times the database's own work.
# `ON CONFLICT (member_id, month) DO NOTHING` (SQLite ≥ 3.24 and PostgreSQL) keeps a re-run or a
# concurrent run from creating a member-month twice, as the unique constraint promises.
INSERT_COLUMNS = (
    "member_id",
    "organization_id",
    "month",
    "category",
    "base",
    "rate",
    "amount_due",
    "status",
    "hardship_id",
)
FIXED_COLUMNS = (
    "amount_paid",
    "channel",
    "payer_name",
    "receipt_number",
    "created_at",
    "updated_at",
)


def _insert(rows: list[tuple]) -> None:
    if not rows:
        return
    ops = connection.ops
    quote = ops.quote_name
    columns = ", ".join(quote(name) for name in (*INSERT_COLUMNS, *FIXED_COLUMNS))
    placeholders = ", ".join(["%s"] * (len(INSERT_COLUMNS) + len(FIXED_COLUMNS)))
    now = ops.adapt_datetimefield_value(timezone.now())
    zero = ops.adapt_decimalfield_value(Decimal("0.00"), 12, 2)
    # Identifiers come from the model's metadata, every value is a parameter.
    table = quote(LedgerEntry._meta.db_table)
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) "  # noqa: S608
        f"ON CONFLICT ({quote('member_id')}, {quote('month')}) DO NOTHING"
    )
    money = ops.adapt_decimalfield_value
    month = ops.adapt_datefield_value(rows[0][2])
    params = [
        (
            member_id,
            organization_id,
            month,
            category,
            money(base, 12, 2) if base is not None else None,
            money(rate, 6, 4) if rate is not None else None,
            money(amount, 12, 2),
            status,
            hardship_id,
            zero,
            "",
            "",
            "",
            now,
            now,
        )
        for member_id, organization_id, _, category, base, rate, amount, status, hardship_id in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _chunks(items: list, size: int = 900):
    # SQLite limits the number of parameters of one statement.
    for start in range(0, len(items), size):
        yield items[start : start + size]

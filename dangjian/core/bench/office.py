"""Bench rows of 公文 and 工作任务 (issue 7): dispatching one document to 2 000 organisations,
the sender's table for it, a branch's inbox of 5 000 documents, 500 concurrent sign requests
(PostgreSQL only), and a task sent to 2 000 organisations.

The group seed writes no documents (only the 机关代字 of every 党委), so the rows the pages read
are added to the bench database by `bench_documents()` on first use and kept, marked
【性能测试】 in their titles (the same way the 台账 row adds its photos once):

* an issued 通知 of the group to the first 二级党委s' whole subtrees, about 2 000
  organisations (党小组 excepted), three quarters signed, half read, a few replied;
* 5 000 documents of the measured mine received over five years by the bench secretary's
  branch (20 still to sign, 200 being handled, the rest archived), one receipt each;
* a 工作任务 of the group to the same 2 000 organisations with a mix of statuses.

`dangjian bench --only 公文` runs the document rows, `--only 工作任务` the task rows.

The sizes shrink with the tree (a test-sized group has a few dozen organisations). The
operations run in a transaction that is rolled back (dispatch), or commit on purpose and delete
what they wrote (the concurrent signing: 20 threads, each on its own connection).
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from dangjian.core.bench.cases import BenchWorld, Case, Operation, OperationCase, Skip

GROUP = "group_department"
SECRETARY = "secretary"
MARK = "【性能测试】"
RECIPIENTS = 2_000
INBOX = 5_000
SIGNERS = 500
THREADS = 20
SENDER_TITLE = f"{MARK}关于开展基层党建工作专项检查的通知"
INBOX_TITLE = f"{MARK}关于做好党建重点工作的通知（第{{n}}期）"
TASK_TITLE = f"{MARK}报送基层党组织基本情况统计表"


@dataclass
class BenchDocuments:
    document: object  # the group's issued 通知 to ~2 000 organisations
    task: object  # the group's task to the same organisations
    inbox_size: int


def bench_documents(world: BenchWorld) -> BenchDocuments:
    """The bench's documents and task, written into the bench database the first time and
    found again afterwards (a few queries, outside the timings)."""
    with transaction.atomic():
        return _ensure(world)


def _ensure(world: BenchWorld) -> BenchDocuments:
    from dangjian.core.seed.documents import write_prefixes
    from dangjian.documents.models import Document, Receipt
    from dangjian.office.models import WorkTask

    write_prefixes()
    document = Document.objects.filter(title=SENDER_TITLE).first() or _sender_document(world)
    task = WorkTask.objects.filter(title=TASK_TITLE).first() or _task(world, document)
    inbox = Receipt.objects.filter(
        organization=world.branch, title__startswith=INBOX_TITLE.split("（")[0]
    ).count()
    if not inbox:
        inbox = _inbox(world)
    return BenchDocuments(document=document, task=task, inbox_size=inbox)


def _root():
    from dangjian.orgs.models import Organization

    return Organization.objects.filter(depth=1).order_by("path").first()


def _subtrees(size: int) -> list:
    """The 二级党委 (or, in a tree without them, the mines) whose subtrees together reach
    `size` organisations, 党小组 excepted."""
    from dangjian.orgs.models import Organization, OrgType

    root = _root()
    chosen, total = [], 0
    for depth in (2, 3):
        chosen, total = [], 0
        committees = Organization.objects.filter(
            org_type=OrgType.COMMITTEE, depth=depth, is_active=True
        ).order_by("path")
        for committee in committees:
            below = (
                Organization.objects.filter(path__startswith=committee.path, is_active=True)
                .exclude(org_type=OrgType.GROUP)
                .count()
            )
            chosen.append(committee)
            total += below
            if total >= size:
                return chosen
        if len(chosen) > 1:
            break
    return chosen or [root]


def _addresses(size: int):
    from dangjian.documents.services.dispatch import AddressSpec

    return [
        AddressSpec(organization=committee, include_subtree=True) for committee in _subtrees(size)
    ]


def _new_document(world: BenchWorld, title: str, *, status: str, days_ago: int = 0):
    from dangjian.documents.models import Document, IssuerPrefix

    root = _root()
    now = timezone.now() - timedelta(days=days_ago)
    return Document.objects.create(
        issuer=root,
        doc_type="tongzhi",
        prefix=IssuerPrefix.objects.filter(organization=root).first(),
        title=title,
        body_html="<p>各二级党委、各矿党委：</p><p>为全面掌握基层党建工作情况，集团公司党委决定开展"
        "专项检查。请各党组织对照检查清单认真自查，按期回复。</p>",
        signatory=root.name,
        signer_name="集团党委书记",
        dated=now.date(),
        reply_required=True,
        deadline=(now + timedelta(days=30)).date(),
        status=status,
        drafted_by=world.group_department,
        signed_at=now,
    )


def _issue_directly(document, specs, *, now) -> int:
    """Number and receipts as `document_issue` writes them, without notifications (the
    fixtures are the pages' data, not the measured work)."""
    from dangjian.documents.models import Document
    from dangjian.documents.numbering import document_number, next_serial
    from dangjian.documents.services.dispatch import create_receipts, expand_addresses

    for spec in specs:
        spec.as_address(document).save()
    year = timezone.localtime(now).year
    serial = next_serial(document.issuer, document.prefix.code, year)
    count = create_receipts(document, expand_addresses(document), sent_at=now)
    Document.objects.filter(pk=document.pk).update(
        status=Document.Status.ISSUED,
        year=year,
        serial=serial,
        number=document_number(document.prefix.code, year, serial),
        issued_at=now,
        issued_by=document.drafted_by,
        recipient_count=count,
    )
    document.refresh_from_db()
    return count


def _sender_document(world: BenchWorld):
    """The issued 通知 the sender's table shows: 3/4 signed, 1/2 read, 1/10 replied."""
    from dangjian.core.seed.documents import recount_documents
    from dangjian.documents.models import Receipt

    document = _new_document(world, SENDER_TITLE, status="signed", days_ago=2)
    issued_at = document.signed_at
    count = _issue_directly(document, _addresses(RECIPIENTS), now=issued_at)
    receipts = Receipt.objects.filter(document=document)
    signer = world.group_department
    for share, fields in (
        (0.75, {"status": "signed", "signed_at": issued_at + timedelta(hours=3),
                "signed_by": signer}),
        (0.5, {"read_at": issued_at + timedelta(hours=4)}),
        (0.1, {"status": "replied", "replied_at": issued_at + timedelta(days=1)}),
    ):  # fmt: skip
        receipts.filter(copy_no__lte=round(count * share)).update(**fields)
    recount_documents([document])
    document.refresh_from_db()
    return document


def _task(world: BenchWorld, document):
    """The group's task to the organisations of the bench document, statuses mixed."""
    from dangjian.core.seed.documents import recount_tasks
    from dangjian.office.models import TaskAssignment, WorkTask

    root = _root()
    now = timezone.now()
    task = WorkTask.objects.create(
        organization=root,
        title=TASK_TITLE,
        description="请各党组织填写本组织党员人数、班子成员和换届时间，由书记审核后报送。",
        deadline=now + timedelta(days=10),
        target_note="集团所属二级党委及其下全部党组织（不含党小组）",
        status=WorkTask.Status.OPEN,
        created_by=world.group_department,
        opened_at=now - timedelta(days=3),
    )
    organizations = list(
        document.receipts.exclude(organization=None)
        .order_by("copy_no")
        .values_list("organization_id", flat=True)
    )
    fates = ("accepted", "submitted", "submitted", "returned", "pending", "pending", "pending")
    rows = []
    for index, organization in enumerate(organizations):
        fate = fates[index % len(fates)]
        done = fate != "pending"
        rows.append(
            TaskAssignment(
                task=task,
                organization_id=organization,
                status=fate,
                report="已按要求填报。" if done else "",
                submitted_at=now - timedelta(days=1) if done else None,
                submit_count=int(done),
                review_note="人数与党员名册不一致，请核实。" if fate == "returned" else "",
            )
        )
    TaskAssignment.objects.bulk_create(rows, batch_size=1000)
    recount_tasks([task])
    task.refresh_from_db()
    return task


def _inbox(world: BenchWorld) -> int:
    """5 000 documents of the measured mine over five years, each received by the bench
    secretary's branch: the 20 newest still to sign, the next 200 being handled."""
    from dangjian.documents.models import Document, IssuerPrefix, NumberSequence, Receipt
    from dangjian.documents.numbering import document_number
    from dangjian.orgs.models import Organization

    mine = world.mine
    prefix = IssuerPrefix.objects.filter(organization=mine).first()
    branch = world.branch
    size = INBOX if Organization.objects.count() > 1000 else 60
    now = timezone.now()
    rng = random.Random("bench-inbox")  # noqa: S311 — stand-in data
    documents, serials = [], {}
    for n in range(size):
        issued_at = now - timedelta(hours=(size - n) * 8 + rng.randrange(0, 6))
        year = timezone.localtime(issued_at).year
        serials[year] = serials.get(year, _last(mine, prefix.code, year)) + 1
        documents.append(
            Document(
                issuer=mine, doc_type=rng.choice(("tongzhi", "tongzhi", "tongbao", "yijian")),
                prefix=prefix, year=year, serial=serials[year],
                number=document_number(prefix.code, year, serials[year]),
                title=INBOX_TITLE.format(n=n + 1), body_html="<p>请认真贯彻落实。</p>",
                signatory=mine.name, dated=issued_at.date(), status=Document.Status.ISSUED,
                drafted_by=world.group_department, issued_at=issued_at, signed_at=issued_at,
                recipient_count=1,
            )
        )  # fmt: skip
    Document.objects.bulk_create(documents, batch_size=1000)
    for year, last in serials.items():
        NumberSequence.objects.update_or_create(
            organization=mine, prefix=prefix.code, year=year, defaults={"last": last}
        )
    receipts = []
    for index, document in enumerate(documents):
        age = size - index  # 1 = the newest
        signed = age > 20
        status = "received" if not signed else "handling" if age <= 220 else "archived"
        receipts.append(
            Receipt(
                document=document, organization=branch, copy_no=1, doc_type=document.doc_type,
                title=document.title, number=document.number, source_name=mine.name,
                sent_at=document.issued_at, sign_due_at=document.issued_at + timedelta(days=1),
                status=status,
                signed_at=document.issued_at + timedelta(hours=2) if signed else None,
                read_at=document.issued_at + timedelta(hours=3) if signed else None,
                archived_at=document.issued_at + timedelta(days=3) if status == "archived"
                else None,
            )
        )  # fmt: skip
    Receipt.objects.bulk_create(receipts, batch_size=1000)
    signed_ids = [r.document_id for r in receipts if r.signed_at]
    for start in range(0, len(signed_ids), 900):
        Document.objects.filter(pk__in=signed_ids[start : start + 900]).update(
            signed_count=1, read_count=1
        )
    return size


def _last(organization, code: str, year: int) -> int:
    from dangjian.documents.models import NumberSequence

    sequence = NumberSequence.objects.filter(organization=organization, prefix=code, year=year)
    return sequence.values_list("last", flat=True).first() or 0


# ------------------------------------------------------------------------------ the pages


def _tracking(query: str = ""):
    def build(world: BenchWorld) -> str:
        document = bench_documents(world).document
        return reverse("documents:tracking", args=[document.pk]) + query

    return build


def _inbox_page(query: str = ""):
    def build(world: BenchWorld) -> str:
        bench_documents(world)
        return reverse("documents:inbox") + query

    return build


def _task_page(query: str = ""):
    def build(world: BenchWorld) -> str:
        task = bench_documents(world).task
        return reverse("office:task_detail", args=[task.pk]) + query

    return build


# ------------------------------------------------------------------------- the operations


def _prepare_dispatch(world: BenchWorld, folder: Path, size: int | None) -> Operation:
    """A signed 通知 of the group to ~2 000 organisations, issued with `document_issue`
    (number, receipts, notifications to the signers of every organisation, audit)."""
    try:
        from dangjian.documents.services.outgoing import document_issue
    except ImportError as exc:
        raise Skip("发文服务 document_issue 尚未实现，跳过") from exc
    from dangjian.core.seed.documents import write_prefixes

    write_prefixes()
    reverse("documents:inbox")  # the URLconf's first import is not the dispatch's time
    document = _new_document(world, f"{MARK}分发测试稿（执行后删除）", status="signed")
    for spec in _addresses(size or RECIPIENTS):
        spec.as_address(document).save()

    def run():
        issued = document_issue(actor=world.group_department, document=document)
        return issued.recipient_count

    def describe(count, seconds: float) -> str:
        return f"一次，分发 {count:,} 个组织（含签收通知）；每秒 {count / seconds:,.0f} 份"

    def cleanup(count) -> None:
        document.delete()

    return Operation(run=run, describe=describe, cleanup=cleanup)


def _prepare_signing(world: BenchWorld, folder: Path, size: int | None) -> Operation:
    """`size` receipts of one document signed at once by 20 threads, each on its own
    database connection, through `receipt_sign`; committed, checked, then deleted."""
    if connection.vendor != "postgresql":
        raise Skip("仅 PostgreSQL：SQLite 同一时刻只允许一个写入者，并发签收在 PostgreSQL 上测")
    try:
        from dangjian.documents.services.receiving import receipt_sign
    except ImportError as exc:
        raise Skip("签收服务 receipt_sign 尚未实现，跳过") from exc
    from dangjian.documents.models import Document, Receipt
    from dangjian.documents.services.dispatch import Recipient, create_receipts
    from dangjian.orgs.models import Organization, OrgType

    count = size or SIGNERS
    reverse("documents:inbox")  # the URLconf's first import is not the signing's time
    with transaction.atomic():
        document = _new_document(world, f"{MARK}并发签收测试（执行后删除）", status="signed")
        organizations = (
            Organization.objects.filter(is_active=True, depth__gt=1)
            .exclude(org_type=OrgType.GROUP)
            .order_by("path")
            .values_list("pk", "path")[:count]
        )
        recipients = [Recipient(pk, None, "main", path) for pk, path in organizations]
        now = timezone.now()
        created = create_receipts(document, recipients, sent_at=now)
        Document.objects.filter(pk=document.pk).update(
            status=Document.Status.ISSUED, issued_at=now, recipient_count=created,
            number=f"{MARK}{document.pk}",
        )  # fmt: skip
    # As the sign view gets them (`receipt_for_handler_or_404`: with the organisation).
    receipts = list(
        Receipt.objects.filter(document=document).select_related("organization").order_by("?")
    )
    actor = world.group_department  # 集团组织部: signs for any organisation of the group

    def worker(share: list, results: list, errors: list) -> None:
        try:
            for receipt in share:
                results.append(receipt_sign(actor=actor, receipt=receipt))
        except Exception as exc:  # reported in the row
            errors.append(repr(exc))
        finally:
            connection.close()

    def run():
        results: list = []
        errors: list = []
        threads = [
            threading.Thread(target=worker, args=(receipts[i::THREADS], results, errors))
            for i in range(THREADS)
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        document.refresh_from_db()
        signed_rows = Receipt.objects.filter(document=document, signed_at__isnull=False).count()
        return {
            "requests": len(receipts),
            "true": sum(results),
            "signed_count": document.signed_count,
            "signed_rows": signed_rows,
            "errors": errors,
            "wall": wall,
        }

    def describe(outcome, seconds: float) -> str:
        n = outcome["requests"]
        ok = outcome["signed_count"] == outcome["signed_rows"] == outcome["true"] == n
        verdict = "无丢失" if ok and not outcome["errors"] else "有丢失或出错"
        errors = f"；错误 {outcome['errors'][:2]}" if outcome["errors"] else ""
        return (
            f"{n} 个签收请求，{THREADS} 个线程各用一个连接：用时 {outcome['wall']:.2f} 秒，"
            f"每秒 {n / outcome['wall']:,.0f} 个；signed_count={outcome['signed_count']}，"
            f"已签收行 {outcome['signed_rows']}，返回 True {outcome['true']} 次 → {verdict}"
            f"{errors}；测试数据已删除"
        )

    def cleanup(outcome) -> None:
        Document.objects.filter(pk=document.pk).delete()

    return Operation(run=run, describe=describe, cleanup=cleanup)


OFFICE_CASES = (
    OperationCase("公文 · 分发一份通知到 2 000 个组织", _prepare_dispatch),
    Case("公文 · 签收情况表，2 000 个收文单位（首页）", _tracking(), GROUP,
         shown="/documents/outgoing/<id>/recipients/"),
    Case("公文 · 签收情况表，只看未签收", _tracking("?show=unsigned"), GROUP,
         shown="/documents/outgoing/<id>/recipients/?show=unsigned"),
    Case("公文 · 支部收文 5 000 份（待签收）", _inbox_page(), SECRETARY),
    Case("公文 · 支部收文 5 000 份（全部）", _inbox_page("?tab=all"), SECRETARY),
    OperationCase("公文 · 500 个并发签收请求（PostgreSQL）", _prepare_signing),
    Case("工作任务 · 下达 2 000 个组织（打开）", _task_page(), GROUP,
         shown="/office/tasks/<id>/"),
    Case("工作任务 · 报送情况（待报送）", _task_page("?status=pending"), GROUP,
         shown="/office/tasks/<id>/?status=pending"),
)  # fmt: skip

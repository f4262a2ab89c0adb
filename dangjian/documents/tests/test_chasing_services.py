"""催办: the sender's one-click chase, the automatic sweeps before and after each deadline
(idempotent under the time machine) and the daily summary to the receiving offices."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from dangjian.audit.models import AuditEntry
from dangjian.core.exceptions import ServiceError
from dangjian.documents.models import Chase, Document, Receipt
from dangjian.documents.services.chasing import (
    chase_sweep,
    daily_summary_send,
    receipts_chase,
)
from dangjian.documents.testing import issue_now
from dangjian.notifications.models import Notification
from dangjian.orgs.models import Organization, OrgType

TZ = ZoneInfo("Asia/Shanghai")
# Monday 2 November 2026, 09:00: 平件 are due by the end of Tuesday.
MONDAY = dt.datetime(2026, 11, 2, 9, 0, tzinfo=TZ)


def at(day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, 0, tzinfo=TZ)


@pytest.fixture
def dw(module_dw, db):
    return module_dw


def _sign(receipt, user, when):
    Receipt.objects.filter(pk=receipt.pk).update(
        status=Receipt.Status.SIGNED, signed_at=when, signed_by=user
    )


def _notices(user):
    return list(
        Notification.objects.filter(recipient=user, category="documents").values_list(
            "title", flat=True
        )
    )


def _two_branches(dw, **options):
    document = issue_now(dw, to=[dw.branch1, dw.branch2], issued_at=MONDAY, **options)
    receipts = {r.organization_id: r for r in document.receipts.all()}
    return document, receipts[dw.branch1.pk], receipts[dw.branch2.pk]


# ------------------------------------------------------------------------------ manual


def test_one_click_chases_only_the_late_receipts(dw):
    document, first, second = _two_branches(dw)
    _sign(first, dw.bob, at(2))
    chased = receipts_chase(actor=dw.oscar, document=document, now=at(4))
    assert chased == 1
    second.refresh_from_db()
    assert second.chase_count == 1 and second.last_chased_at == at(4)
    assert list(Chase.objects.filter(receipt__document=document).values_list("kind", "by")) == [
        (Chase.Kind.MANUAL, dw.oscar.pk)
    ]
    assert _notices(dw.cora) == [f"催办：请尽快签收《{document.title}》"]
    assert _notices(dw.bob) == []
    entry = AuditEntry.objects.filter(action="documents.chase").latest("pk")
    assert entry.after["count"] == 1 and entry.object_id == str(document.pk)


def test_nothing_is_late_before_the_signing_limit(dw):
    document, _, _ = _two_branches(dw)
    assert receipts_chase(actor=dw.oscar, document=document, now=at(3, 20)) == 0
    assert not Chase.objects.filter(receipt__document=document).exists()


def test_a_double_click_chases_once(dw):
    document, _, second = _two_branches(dw)
    assert receipts_chase(actor=dw.oscar, document=document, now=at(4)) == 2
    again = at(4) + dt.timedelta(seconds=30)
    assert receipts_chase(actor=dw.olivia, document=document, now=again) == 0
    assert len(_notices(dw.cora)) == 1
    later = at(4) + dt.timedelta(minutes=2)
    assert receipts_chase(actor=dw.oscar, document=document, now=later) == 2
    second.refresh_from_db()
    assert second.chase_count == 2


def test_ticked_receipts_are_chased_when_they_still_owe_something(dw):
    document, first, second = _two_branches(dw)
    _sign(first, dw.bob, at(2))
    # Not late yet, but ticked: chased. The signed one owes nothing (no reply asked): skipped.
    chased = receipts_chase(
        actor=dw.oscar, document=document, receipts=[first.pk, second.pk], now=at(3)
    )
    assert chased == 1
    assert list(Chase.objects.filter(receipt__document=document).values_list("receipt", flat=True))
    assert Chase.objects.get(receipt__document=document).receipt_id == second.pk


def test_ticking_nothing_is_refused(dw):
    document, _, _ = _two_branches(dw)
    with pytest.raises(ServiceError, match="勾选"):
        receipts_chase(actor=dw.oscar, document=document, receipts=[], now=at(4))


def test_a_reply_overdue_receipt_is_chased_for_its_reply(dw):
    document, first, _ = _two_branches(dw, reply_required=True, deadline=dt.date(2026, 11, 4))
    _sign(first, dw.bob, at(2))
    assert receipts_chase(actor=dw.oscar, document=document, now=at(5)) == 2
    assert _notices(dw.bob) == [f"催办：请尽快回复《{document.title}》"]
    assert _notices(dw.cora) == [f"催办：请尽快签收《{document.title}》"]


def test_returned_and_personal_receipts(dw):
    document = issue_now(dw, to=[dw.branch1], people=[dw.mia], issued_at=MONDAY)
    org_copy = document.receipts.get(organization=dw.branch1)
    Receipt.objects.filter(pk=org_copy.pk).update(
        status=Receipt.Status.RETURNED, return_reason="非本单位"
    )
    assert receipts_chase(actor=dw.oscar, document=document, now=at(4)) == 1
    assert _notices(dw.mia) == [f"催办：请尽快签收《{document.title}》"]
    assert _notices(dw.bob) == []


@pytest.mark.parametrize("who", ["dave", "bob", "charlie"])
def test_only_the_issuers_office_may_chase(dw, who):
    document, _, _ = _two_branches(dw)
    with pytest.raises(Http404):
        receipts_chase(actor=getattr(dw, who), document=document, now=at(4))
    assert not Chase.objects.filter(receipt__document=document).exists()


def test_a_withdrawn_document_is_not_chased(dw):
    document, _, _ = _two_branches(dw)
    Document.objects.filter(pk=document.pk).update(status=Document.Status.WITHDRAWN)
    document.refresh_from_db()
    with pytest.raises(ServiceError, match="撤回"):
        receipts_chase(actor=dw.oscar, document=document, now=at(4))


# ------------------------------------------------------------------------------ sweeps


def test_sign_overdue_sweep_runs_once_a_day(dw, time_machine):
    document, first, second = _two_branches(dw)
    _sign(first, dw.bob, at(2))
    time_machine.move_to(at(3, 20))
    assert chase_sweep() == 0  # still Tuesday: within the limit
    time_machine.move_to(at(4, 1))
    assert chase_sweep() == 1
    time_machine.move_to(at(4, 15))
    assert chase_sweep() == 0
    assert _notices(dw.cora) == [f"逾期未签收：《{document.title}》"]
    time_machine.move_to(at(5, 1))
    assert chase_sweep() == 1
    assert len(_notices(dw.cora)) == 2
    assert _notices(dw.bob) == []
    second.refresh_from_db()
    assert second.chase_count == 2
    assert Chase.objects.filter(receipt=second, kind=Chase.Kind.SIGN_OVERDUE).count() == 2


def test_reply_chases_before_and_after_the_deadline(dw, time_machine):
    # Deadline Friday 6 November; Branch 1 signed, Branch 2 never signs.
    document, first, second = _two_branches(dw, reply_required=True, deadline=dt.date(2026, 11, 6))
    _sign(first, dw.bob, at(2))
    title = document.title
    time_machine.move_to(at(4, 8))  # Wednesday: deadline two working days away
    assert chase_sweep() == 1  # only Branch 2's signature
    time_machine.move_to(at(5, 8))  # Thursday: one working day left
    assert chase_sweep() == 3  # both before the deadline, Branch 2's signature again
    assert chase_sweep() == 0
    assert _notices(dw.bob) == [f"办理期限将至：《{title}》"]
    time_machine.move_to(at(6, 8))  # Friday: the deadline day; "before" was sent already
    assert chase_sweep() == 1
    time_machine.move_to(at(7, 8))  # Saturday: both are after the deadline
    assert chase_sweep() == 2
    assert chase_sweep() == 0
    # Branch 2 is chased for its reply, not for its signature as well.
    assert not Chase.objects.filter(
        receipt=second, kind=Chase.Kind.SIGN_OVERDUE, day=dt.date(2026, 11, 7)
    ).exists()
    time_machine.move_to(at(8, 8))
    assert chase_sweep() == 2
    assert _notices(dw.bob).count(f"已超过办理期限：《{title}》") == 2
    Receipt.objects.filter(pk=first.pk).update(replied_at=at(8, 9))
    time_machine.move_to(at(9, 8))
    assert chase_sweep() == 1


def test_sweep_skips_withdrawn_and_paper_receipts(dw, time_machine):
    document, _, _ = _two_branches(dw)
    Document.objects.filter(pk=document.pk).update(status=Document.Status.WITHDRAWN)
    time_machine.move_to(at(5))
    assert chase_sweep() == 0


def _branches(dw, count: int):
    tree = Organization.objects
    return [
        tree.add_child(
            tree.get(pk=dw.mine.pk),
            {"org_type": OrgType.BRANCH, "name": f"测试党支部{n}", "code": f"T-{count}-{n}"},
        )
        for n in range(count)
    ]


def test_sweep_queries_same_for_3_and_30_receipts(dw, time_machine):
    small = issue_now(dw, to=_branches(dw, 3), issued_at=MONDAY)
    time_machine.move_to(at(4))
    with CaptureQueriesContext(connection) as few:
        assert chase_sweep() == 3
    Document.objects.filter(pk=small.pk).update(status=Document.Status.WITHDRAWN)
    time_machine.move_to(MONDAY)
    issue_now(dw, to=_branches(dw, 30), issued_at=MONDAY)
    time_machine.move_to(at(4))
    with CaptureQueriesContext(connection) as many:
        assert chase_sweep() == 30
    assert len(many) == len(few)


# ------------------------------------------------------------------------------ summary


def test_daily_summary_one_notice_per_office_and_day(dw, time_machine):
    _, first, _ = _two_branches(dw)
    issue_now(dw, "第二份通知", to=[dw.branch2], issued_at=at(4, 9))
    time_machine.move_to(at(4, 8))
    assert daily_summary_send(today=dt.date(2026, 11, 4)) == 2
    assert _notices(dw.cora) == ["公文待办：2 份待签收，1 份已逾期"]
    assert _notices(dw.bob) == ["公文待办：1 份待签收，1 份已逾期"]
    assert daily_summary_send(today=dt.date(2026, 11, 4)) == 2  # reached, but no new rows
    assert len(_notices(dw.cora)) == 1
    _sign(first, dw.bob, at(4, 9))
    assert daily_summary_send(today=dt.date(2026, 11, 5)) == 1
    assert len(_notices(dw.bob)) == 1
    assert len(_notices(dw.cora)) == 2


def test_automatic_chases_stop_a_month_after_the_limit(dw, time_machine):
    document, _, _ = _two_branches(dw, reply_required=True, deadline=dt.date(2026, 11, 6))
    time_machine.move_to(at(30, 8))  # 24 days after the deadline: still chased
    assert chase_sweep() == 2
    time_machine.move_to(dt.datetime(2026, 12, 8, 8, 0, tzinfo=TZ))  # 32 days after
    assert chase_sweep() == 0
    # The sender may still chase by hand.
    assert receipts_chase(actor=dw.oscar, document=document) == 2


def test_the_sweeps_are_registered_with_the_scheduler(dw):
    from dangjian.core.scheduler import registered_sweeps

    sweeps = registered_sweeps()
    assert sweeps["documents.chase"].every == dt.timedelta(hours=1)
    assert sweeps["documents.daily_summary"].first_run == dt.time(7, 30)
    assert sweeps["documents.export_files_expire"].every == dt.timedelta(days=1)
    _two_branches(dw)
    sweeps["documents.chase"].func(now=at(4))
    sweeps["documents.daily_summary"].func(now=at(4, 7))
    assert Chase.objects.filter(kind=Chase.Kind.SIGN_OVERDUE).count() == 2
    assert sorted(_notices(dw.cora)) == [
        "公文待办：1 份待签收，1 份已逾期",
        "逾期未签收：《关于开展主题党日活动的通知》",
    ]

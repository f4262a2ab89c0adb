"""The 公文 and 工作任务 of the demo data (core/seed/documents.py): counters equal to a recount,
the showcase 通知 with 10 unsigned branches, numbers in date order, the workflow cases, paper
documents, circulations, tasks and the demo logins. The mine is seeded once for the module
(a smaller mine than `make demo`'s, with as many branches)."""

from __future__ import annotations

from contextlib import ExitStack
from datetime import date, datetime, time
from unittest.mock import patch

import pytest
from django.db import transaction
from django.db.models import Count, Max, Q

from dangjian.accounts.models import RoleAssignment, User
from dangjian.core.seed import seed_database
from dangjian.core.seed.documents import FORM_HEADER, SHOWCASE_TITLE, ZONE, prefix_for
from dangjian.core.seed.plan import MineShape
from dangjian.documents.models import (
    Circulation,
    Document,
    DocumentFile,
    IssuerPrefix,
    NumberSequence,
    Receipt,
    Reply,
)
from dangjian.office.forms_xlsx import read_header
from dangjian.office.models import TaskAssignment, TaskFile, WorkTask
from dangjian.orgs.models import BRANCH_TYPES, Organization

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 15)  # a Monday: the showcase was issued on Friday the 12th


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The documents part reads only the tree, the people and the demo accounts: the seed's
    lifecycle, meetings, portal and 考核 (two thirds of its time, tested in their own modules) are
    left out here."""
    shape = MineShape(members=480, members_per_branch=12, group_size=6)
    skipped = (
        "plan_lifecycle", "write_lifecycle", "write_meetings", "write_portal", "write_assessment",
    )  # fmt: skip
    with ExitStack() as stack:
        for name in skipped:
            stack.enter_context(patch(f"dangjian.core.seed.{name}", _nothing))
        stack.enter_context(django_db_blocker.unblock())
        stack.enter_context(transaction.atomic())
        yield seed_database(scale="mine", seed=1, today=TODAY, shape=shape)
        transaction.set_rollback(True)


def _nothing(*args, **kwargs):
    return None


@pytest.fixture
def data(seeded, db):
    return seeded


def _mine() -> Organization:
    return Organization.objects.get(depth=2)


def _showcase() -> Document:
    return Document.objects.get(title=SHOWCASE_TITLE.format(year=TODAY.year))


def test_every_document_counter_equals_a_recount_of_its_receipts(data):
    documents = Document.objects.annotate(
        n=Count("receipts"),
        signed=Count("receipts", filter=Q(receipts__signed_at__isnull=False)),
        read=Count("receipts", filter=Q(receipts__read_at__isnull=False)),
        replied=Count("receipts", filter=Q(receipts__replied_at__isnull=False)),
        returned=Count("receipts", filter=Q(receipts__status=Receipt.Status.RETURNED)),
    )
    assert documents.count() >= 25
    for d in documents:
        counters = (d.recipient_count, d.signed_count, d.read_count, d.replied_count)
        assert counters == (d.n, d.signed, d.read, d.replied), d.title
        assert d.returned_count == d.returned, d.title
    assert Document.objects.filter(returned_count=1).count() == 1
    # A replied receipt has its reply, and only replied receipts have one.
    replied = Receipt.objects.filter(replied_at__isnull=False)
    assert set(Reply.objects.values_list("receipt", flat=True)) == set(
        replied.values_list("pk", flat=True)
    )


def test_the_showcase_notice_has_ten_unsigned_branches_past_their_signing_limit(data):
    showcase = _showcase()
    branches = Organization.objects.filter(path__startswith=_mine().path, org_type__in=BRANCH_TYPES)
    assert showcase.recipient_count == branches.count() >= 30
    assert showcase.recipient_count - showcase.signed_count == 10
    assert showcase.urgency == "urgent" and showcase.reply_required
    assert showcase.issued_at.astimezone(ZONE).date() == date(2026, 6, 12)
    assert showcase.deadline == date(2026, 6, 15)
    unsigned = showcase.receipts.filter(signed_at__isnull=True)
    assert unsigned.count() == 10
    assert set(unsigned.values_list("status", flat=True)) == {Receipt.Status.RECEIVED}
    start_of_today = datetime.combine(TODAY, time(0), tzinfo=ZONE)
    assert all(r.sign_due_at < start_of_today for r in unsigned)  # late: 一键催办 finds them
    shuji = User.objects.get(username="shuji")
    demo_branch = shuji.role_assignments.get().organization
    assert unsigned.filter(organization=demo_branch).exists()
    signed = showcase.receipts.filter(signed_at__isnull=False)
    assert signed.filter(signed_at__gt=showcase.receipts.first().sign_due_at).count() == 2
    assert 0 < showcase.read_count < showcase.signed_count
    assert 3 <= showcase.replied_count <= 4
    assert showcase.files.get().purpose == DocumentFile.Purpose.ATTACHMENT


def test_the_demo_secretary_can_sign_the_showcase_with_the_real_service(data):
    from dangjian.documents.services.receiving import receipt_sign

    showcase = _showcase()
    shuji = User.objects.get(username="shuji")
    receipt = showcase.receipts.get(organization=shuji.role_assignments.get().organization)
    assert receipt_sign(actor=shuji, receipt=receipt) is True
    showcase.refresh_from_db()
    assert showcase.recipient_count - showcase.signed_count == 9


def test_numbers_follow_the_dates_and_the_sequences_end_at_the_last_number(data):
    issued = Document.objects.exclude(serial=None).order_by("issued_at")
    by_sequence: dict = {}
    for document in issued:
        by_sequence.setdefault(
            (document.issuer_id, document.prefix.code, document.year), []
        ).append(document.serial)
    for (issuer, code, year), serials in by_sequence.items():
        assert serials == list(range(1, len(serials) + 1)), (code, year)
        last = NumberSequence.objects.get(organization=issuer, prefix=code, year=year).last
        assert last == len(serials)
    assert issued.filter(number__startswith="一矿党〔").count() == 20
    assert issued.filter(number__startswith="集团党〔").exists()
    registered = Receipt.objects.exclude(register_no="")
    per_sequence: dict = {}
    for organization, number in registered.order_by("registered_at").values_list(
        "organization", "register_no"
    ):
        year, serial = number.removeprefix("收〔").rstrip("号").split("〕")
        per_sequence.setdefault((organization, year), []).append(int(serial))
    assert len(per_sequence) >= 2
    for serials in per_sequence.values():
        assert serials == list(range(1, len(serials) + 1))


def test_the_workflow_cases_reply_correction_withdrawal_and_drafts(data):
    reply = Document.objects.get(doc_type="pifu")
    request = reply.in_reply_to
    assert request.doc_type == "qingshi" and request.organization.depth == 1
    assert request.document.issuer == _mine() and request.document.signer_name
    correction = Document.objects.get(corrects__isnull=False)
    assert correction.title == f"关于更正《{correction.corrects.title}》的通知"
    assert correction.corrects.number in correction.body_html
    withdrawn = Document.objects.get(status=Document.Status.WITHDRAWN)
    assert withdrawn.signed_count == 0 and withdrawn.withdraw_reason
    assert set(withdrawn.receipts.values_list("status", flat=True)) == {Receipt.Status.CANCELLED}
    drafts = dict(
        Document.objects.filter(serial=None).values_list("status", "drafted_by__username")
    )
    assert drafts == {"reviewing": "zuzhibu", "signing": "bangongshi"}
    assert (
        "<table>" in Document.objects.get(doc_type="tongbao", title__contains="三会一课").body_html
    )


def test_paper_documents_and_the_secret_one_without_files(data):
    paper = Receipt.objects.filter(is_paper=True)
    assert paper.count() == 3
    assert all(r.register_no and r.organization == _mine() for r in paper)
    secret = paper.get(classification="secret")
    assert not secret.files.exists()
    for receipt in paper.exclude(pk=secret.pk):
        scan = receipt.files.get()
        assert scan.file_kind == "png" and scan.size > 0


def test_circulations_in_the_demo_branch_and_to_the_mine_s_secretary(data):
    shuji = User.objects.get(username="shuji")
    branch = shuji.role_assignments.get().organization
    circulations = Circulation.objects.filter(receipt__organization=branch)
    readers = dict(circulations.values_list("reader__username", "read_at"))
    assert set(readers) == {"weiyuan", "dangyuan"}
    assert readers["dangyuan"] is None and readers["weiyuan"] is not None
    assert circulations.get(reader__username="weiyuan").instruction
    assert circulations.first().receipt.status == Receipt.Status.CIRCULATING
    assert Circulation.objects.filter(reader__username="lingdao").exclude(instruction="").exists()
    mine_inbox = Receipt.objects.filter(organization=_mine(), is_paper=False)
    assert mine_inbox.filter(status=Receipt.Status.RECEIVED).count() == 1
    assert mine_inbox.filter(handlings__isnull=False).distinct().count() == 1


def test_tasks_have_a_status_mix_consistent_counters_and_a_form_template(data):
    tasks = WorkTask.objects.filter(organization=_mine())
    assert tasks.count() == 3
    for task in tasks:
        rows = dict(task.assignments.values_list("status").annotate(n=Count("pk")))
        assert task.assignee_count == sum(rows.values())
        assert task.submitted_count == rows.get("submitted", 0)
        assert task.accepted_count == rows.get("accepted", 0)
        assert task.returned_count == rows.get("returned", 0)
        assert task.pending_count == rows.get("pending", 0) + rows.get("returned", 0)
    statuses = set(TaskAssignment.objects.values_list("status", flat=True))
    assert statuses == {"pending", "submitted", "returned", "accepted"}
    template = TaskFile.objects.get(purpose=TaskFile.Purpose.FORM)
    with template.file.open("rb") as handle:
        assert read_header(handle) == list(FORM_HEADER)
    assert template.task.requires_form
    filled = TaskFile.objects.filter(purpose=TaskFile.Purpose.REPORT_FORM, task=template.task)
    assert (
        filled.count()
        == template.task.assignments.filter(status__in=("submitted", "accepted")).count()
    )
    returned = TaskAssignment.objects.filter(status="returned")
    assert all(a.review_note for a in returned)


def test_demo_logins_for_the_office_the_leader_and_a_branch_committee_member(data):
    mine = _mine()
    grants = {
        username: (role, organization)
        for username, role, organization in RoleAssignment.objects.filter(
            user__username__in=["bangongshi", "lingdao", "weiyuan"]
        ).values_list("user__username", "role__code", "organization")
    }
    assert grants == {
        "bangongshi": ("party_office", mine.pk),
        "lingdao": ("committee_leader", mine.pk),
    }
    names = ["bangongshi", "lingdao", "weiyuan", "shuji"]
    users = {user.username: user for user in User.objects.filter(username__in=names)}
    assert all(user.person_id for user in users.values())
    assert len({user.person_id for user in users.values()}) == 4
    branch = users["shuji"].role_assignments.get().organization
    assert users["weiyuan"].person.membership.organization == branch
    assert Document.objects.filter(signer=users["lingdao"]).count() > 15


def test_prefixes_for_each_committee(data):
    prefixes = {
        p.organization.depth: p for p in IssuerPrefix.objects.select_related("organization")
    }
    assert (prefixes[1].code, prefixes[2].code) == ("集团党", "一矿党")
    assert prefixes[2].header == "中共一矿委员会文件"
    assert prefixes[1].header == f"{prefixes[1].organization.name}文件"
    assert prefix_for(prefixes[2].organization) == ("一矿党", "中共一矿委员会文件")
    assert Document.objects.aggregate(latest=Max("issued_at"))["latest"].date() < TODAY

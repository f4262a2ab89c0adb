"""The permission matrix over every page of 公文 (`/documents/`) and 工作任务 (`/office/`).

Each page is asked by an anonymous caller (→ the login page), by 查理 who holds no role, by
someone who holds the right role in 二矿 (戴维, out of scope) and by the person the page is for.
Objects of another organisation answer 404 exactly like missing ones; list pages answer 403 to
a caller without the permission and show an out-of-scope caller only their own part. Refused
POSTs change nothing (`state` is compared before and after); the allowed one runs last.

One documents world for the module (`module_dw`), plus a few documents made once below.
"""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from dangjian.audit.models import AuditEntry
from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.documents.models import (
    Chase,
    Circulation,
    DocType,
    Document,
    DocumentAddress,
    DocumentFile,
    IssuerPrefix,
    Receipt,
)
from dangjian.documents.services.receiving import receipt_sign
from dangjian.documents.testing import issue_now

LIST_PAGE = {"no_role": 403, "out_of_scope": 200}
TINY_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def url(name: str, *args, query: str = "") -> str:
    """The URL of a route, or a skip naming the route while its page is being written."""
    try:
        path = reverse(name, args=args)
    except NoReverseMatch:
        pytest.skip(f"waiting for the page {name}")
    return f"{path}?{query}" if query else path


class Docs:
    """What the module's tests look at, made once."""


@pytest.fixture(scope="module")
def docs(module_dw, django_db_blocker):
    dw = module_dw
    made = Docs()
    with django_db_blocker.unblock():
        made.issued = issue_now(
            dw,
            "关于开展矩阵测试的通知",
            to=[dw.branch1, dw.branch2],
            reply_required=True,
            deadline=timezone.localdate() + datetime.timedelta(days=3),
        )
        made.receipt = Receipt.objects.get(document=made.issued, organization=dw.branch1)
        made.receipt2 = Receipt.objects.get(document=made.issued, organization=dw.branch2)
        made.draft = Document.objects.create(
            issuer=dw.mine,
            doc_type=DocType.NOTICE,
            prefix=dw.prefix,
            title="关于矩阵测试草稿的通知",
            body_html="<p>草稿正文。</p>",
            drafted_by=dw.oscar,
        )
        DocumentAddress.objects.create(document=made.draft, organization=dw.branch1)
        made.file = DocumentFile(
            document=made.issued,
            purpose=DocumentFile.Purpose.ATTACHMENT,
            title="附件1.pdf",
            file_kind="pdf",
            size=len(TINY_PDF),
            uploaded_by=dw.oscar,
        )
        made.file.file.save("matrix.pdf", ContentFile(TINY_PDF), save=False)
        made.file.save()
    return made


@pytest.fixture
def dw(module_dw, docs, db):
    return module_dw


def _row(model, pk):
    return list(model.objects.filter(pk=pk).values())


# --- 发文 (outgoing) -------------------------------------------------------------------------


def test_outgoing_register(client, dw, docs):
    result = assert_access_matrix(
        client,
        url=url("documents:outgoing"),
        in_scope=dw.oscar,
        out_of_scope=dw.dave,
        no_role=dw.charlie,
        expect=LIST_PAGE,
    )
    assert docs.issued.title in result.responses["in_scope"].content.decode()
    assert docs.issued.title not in result.responses["out_of_scope"].content.decode()


def test_drafting_page(client, dw):
    result = assert_access_matrix(
        client,
        url=url("documents:outgoing_new"),
        in_scope=dw.oscar,
        no_role=dw.bob,  # a branch secretary does not draft documents
        expect={"no_role": 403},
    )
    assert "一矿党" in result.responses["in_scope"].content.decode()


def test_editing_a_draft(client, dw, docs):
    assert_access_matrix(
        client,
        url=url("documents:outgoing_edit", docs.draft.pk),
        in_scope=dw.oscar,
        out_of_scope=dw.dave,
        no_role=dw.charlie,
    )


def test_a_document_of_the_mine(client, dw, docs):
    assert_access_matrix(
        client,
        url=url("documents:outgoing_detail", docs.issued.pk),
        in_scope=dw.lee,
        out_of_scope=dw.dave,
        no_role=dw.charlie,
    )
    client.force_login(dw.bob)  # a recipient reads it through the inbox, not the register
    assert client.get(url("documents:outgoing_detail", docs.issued.pk)).status_code == 404


def test_submitting_a_draft(client, dw, docs):
    assert_access_matrix(
        client,
        url=url("documents:outgoing_action", docs.draft.pk, "submit"),
        method="post",
        data={},
        in_scope=dw.oscar,
        out_of_scope=dw.dave,
        no_role=dw.charlie,
        expect={"in_scope": 302},
        state=lambda: _row(Document, docs.draft.pk),
    )
    assert Document.objects.get(pk=docs.draft.pk).status == Document.Status.REVIEWING


def test_withdrawing_an_issued_document(client, dw, docs):
    def state():
        return _row(Document, docs.issued.pk), list(
            Receipt.objects.filter(document=docs.issued).values_list("status", flat=True)
        )

    assert_access_matrix(
        client,
        url=url("documents:outgoing_action", docs.issued.pk, "withdraw"),
        method="post",
        data={"reason": "发错了范围"},
        in_scope=dw.oscar,
        out_of_scope=dw.dave,
        no_role=dw.bob,  # a recipient cannot withdraw the sender's document
        expect={"in_scope": 302},
        state=state,
    )
    assert Document.objects.get(pk=docs.issued.pk).status == Document.Status.WITHDRAWN


def test_an_unknown_action_is_a_404(client, dw, docs):
    client.force_login(dw.oscar)
    before = _row(Document, docs.draft.pk)
    response = client.post(url("documents:outgoing_action", docs.draft.pk, "explode"))
    assert response.status_code == 404
    assert _row(Document, docs.draft.pk) == before


def test_an_action_is_post_only(client, dw, docs):
    client.force_login(dw.oscar)
    before = _row(Document, docs.draft.pk)
    response = client.get(url("documents:outgoing_action", docs.draft.pk, "submit"))
    assert response.status_code == 405
    assert _row(Document, docs.draft.pk) == before


@pytest.mark.parametrize(
    ("name", "text", "found"),
    [("outgoing_org_options", "综采", "综采一队党支部"), ("outgoing_people_options", "鲍", "鲍勃")],
)
def test_the_pickers_of_the_drafting_page(client, dw, name, text, found):
    result = assert_access_matrix(
        client,
        url=url(f"documents:{name}", query=f"q={text}"),
        in_scope=dw.oscar,
        no_role=dw.bob,  # drafting only
        expect={"no_role": 403},
    )
    assert found in result.responses["in_scope"].content.decode()


def test_a_document_file(client, dw, docs):
    link = url("documents:document_file", docs.file.pk)
    assert_access_matrix(
        client, url=link, in_scope=dw.oscar, out_of_scope=dw.dave, no_role=dw.charlie
    )
    # the receiving side downloads it once signed (the receipt page shows it from then on); a
    # member it was not circulated to and another mine's member do not
    client.force_login(dw.bob)
    assert client.get(link).status_code == 404
    receipt_sign(actor=dw.bob, receipt=docs.receipt)
    for user, code in ((dw.bob, 200), (dw.cora, 404), (dw.mia, 404), (dw.nick, 404)):
        client.force_login(user)
        assert client.get(link).status_code == code, user


def test_the_prefix_settings(client, dw):
    result = assert_access_matrix(
        client,
        url=url("documents:prefixes"),
        in_scope=dw.oscar,
        out_of_scope=dw.dave,
        no_role=dw.charlie,
        expect=LIST_PAGE,
    )
    edit = f"?edit={dw.prefix.pk}"
    assert edit in result.responses["in_scope"].content.decode()
    assert edit not in result.responses["out_of_scope"].content.decode()


def test_editing_a_prefix(client, dw):
    assert_access_matrix(
        client,
        url=url("documents:prefixes", query=f"edit={dw.prefix.pk}"),
        in_scope=dw.oscar,
        out_of_scope=dw.dave,
        no_role=dw.charlie,
        expect={"no_role": 403},
    )
    assert_access_matrix(
        client,
        url=url("documents:prefixes"),
        method="post",
        data={
            "prefix": dw.prefix.pk,
            "code": "一矿党",
            "header": "中国共产党一矿委员会文件",
            "is_default": "on",
            "is_active": "on",
        },
        in_scope=dw.oscar,
        out_of_scope=dw.dave,
        no_role=dw.charlie,
        expect={"no_role": 403, "in_scope": 302},
        state=lambda: _row(IssuerPrefix, dw.prefix.pk),
    )
    assert IssuerPrefix.objects.get(pk=dw.prefix.pk).header == "中国共产党一矿委员会文件"


# --- 收文 (receiving) ------------------------------------------------------------------------


def test_the_inbox(client, dw, docs):
    result = assert_access_matrix(
        client,
        url=url("documents:inbox", query="tab=all"),
        in_scope=dw.bob,
        out_of_scope=dw.dave,
        no_role=dw.charlie,
        # the inbox is 404 to someone who signs for nothing and has no copy of their own
        expect={"no_role": 404, "out_of_scope": 200},
    )
    assert docs.issued.title in result.responses["in_scope"].content.decode()
    assert docs.issued.title not in result.responses["out_of_scope"].content.decode()


def test_a_receipt(client, dw, docs):
    link = url("documents:receipt", docs.receipt.pk)
    assert_access_matrix(
        client, url=link, in_scope=dw.bob, out_of_scope=dw.dave, no_role=dw.charlie
    )
    # the other branch's secretary and a member of the branch see nothing of it
    for user in (dw.cora, dw.mia, dw.nick):
        client.force_login(user)
        assert client.get(link).status_code == 404, user


def test_the_people_picker_of_a_receipt(client, dw, docs):
    link = url("documents:receipt_people", docs.receipt.pk, query="q=米")
    result = assert_access_matrix(
        client, url=link, in_scope=dw.bob, out_of_scope=dw.dave, no_role=dw.charlie
    )
    assert "米娅" in result.responses["in_scope"].content.decode()
    client.force_login(dw.cora)
    assert client.get(link).status_code == 404


def test_a_file_through_the_receipt(client, dw, docs):
    link = url("documents:receipt_file", docs.receipt.pk, docs.file.pk)
    client.force_login(dw.bob)
    assert client.get(link).status_code == 404  # the text and files come after 签收
    receipt_sign(actor=dw.bob, receipt=docs.receipt)
    assert_access_matrix(
        client, url=link, in_scope=dw.bob, out_of_scope=dw.dave, no_role=dw.charlie
    )
    client.force_login(dw.cora)  # the other branch has its own copy, not this one
    assert client.get(link).status_code == 404
    other = url("documents:receipt_file", docs.receipt2.pk, docs.file.pk)
    assert client.get(other).status_code == 404  # cora has not signed yet


def test_a_circulated_member_reads_the_receipt(client, dw, docs):
    Circulation.objects.create(receipt=docs.receipt, reader=dw.mia, sent_by=dw.bob)
    client.force_login(dw.mia)
    assert client.get(url("documents:receipt", docs.receipt.pk)).status_code == 200
    assert client.get(url("documents:receipt", docs.receipt2.pk)).status_code == 404
    client.force_login(dw.max)
    assert client.get(url("documents:receipt", docs.receipt.pk)).status_code == 404


def test_a_circulated_reader_only_reads(client, dw, docs):
    receipt_sign(actor=dw.bob, receipt=docs.receipt)
    Circulation.objects.create(receipt=docs.receipt, reader=dw.mia, sent_by=dw.bob)

    def state():
        return _row(Receipt, docs.receipt.pk), _row(Document, docs.issued.pk)

    client.force_login(dw.mia)
    for action, data in (
        ("register", {"proposal": "拟请书记阅"}),
        ("return", {"reason": "不是我们的"}),
        ("archive", {}),
        ("reply", {"text": "已学习"}),
    ):
        before = state()
        response = client.post(url("documents:receipt_action", docs.receipt.pk, action), data)
        assert response.status_code == 302, action  # back to the page with the refusal
        assert state() == before, action
    response = client.post(
        url("documents:receipt_action", docs.receipt.pk, "read"), {"instruction": "已阅"}
    )
    assert response.status_code == 302
    circulation = Circulation.objects.get(receipt=docs.receipt, reader=dw.mia)
    assert circulation.read_at is not None and circulation.instruction == "已阅"


def test_signing_a_receipt(client, dw, docs):
    def state():
        return _row(Receipt, docs.receipt.pk), _row(Document, docs.issued.pk)

    link = url("documents:receipt_action", docs.receipt.pk, "sign")
    assert_access_matrix(
        client,
        url=link,
        method="post",
        data={},
        in_scope=dw.bob,
        out_of_scope=dw.dave,
        no_role=dw.charlie,
        expect={"in_scope": 302},
        state=state,
    )
    for user in (dw.cora, dw.mia):  # the other branch, a member of this one
        client.force_login(user)
        before = state()
        assert client.post(link).status_code == 404, user
        assert state() == before
    assert Receipt.objects.get(pk=docs.receipt.pk).signed_by == dw.bob
    assert Document.objects.get(pk=docs.issued.pk).signed_count == 1


def test_returning_a_receipt(client, dw, docs):
    receipt_sign(actor=dw.cora, receipt=docs.receipt2)  # a copy is returned after reading it
    assert_access_matrix(
        client,
        url=url("documents:receipt_action", docs.receipt2.pk, "return"),
        method="post",
        data={"reason": "不属于本支部办理"},
        in_scope=dw.cora,
        out_of_scope=dw.dave,
        no_role=dw.bob,  # the neighbouring branch's secretary
        expect={"in_scope": 302},
        state=lambda: (_row(Receipt, docs.receipt2.pk), _row(Document, docs.issued.pk)),
    )
    assert Receipt.objects.get(pk=docs.receipt2.pk).status == Receipt.Status.RETURNED


def test_registering_a_paper_document(client, dw):
    assert_access_matrix(
        client,
        url=url("documents:paper_new"),
        in_scope=dw.bob,
        no_role=dw.charlie,
    )


def test_my_reading_list_is_everyones(client, dw, docs):
    Circulation.objects.create(receipt=docs.receipt, reader=dw.mia, sent_by=dw.bob)
    result = assert_access_matrix(
        client,
        url=url("documents:reading"),
        in_scope=dw.mia,
        out_of_scope=dw.max,
        no_role=dw.charlie,
        expect={"no_role": 200, "out_of_scope": 200},
    )
    assert docs.issued.title in result.responses["in_scope"].content.decode()
    assert docs.issued.title not in result.responses["out_of_scope"].content.decode()


# --- the sender's view, statistics and exports ----------------------------------------------


def test_the_senders_table(client, dw, docs):
    result = assert_access_matrix(
        client,
        url=url("documents:tracking", docs.issued.pk),
        in_scope=dw.oscar,
        out_of_scope=dw.dave,
        no_role=dw.charlie,
    )
    assert "掘进二队党支部" in result.responses["in_scope"].content.decode()
    client.force_login(dw.bob)  # a recipient does not see who else signed
    assert client.get(url("documents:tracking", docs.issued.pk)).status_code == 404


def test_chasing(client, dw, docs):
    def state():
        chased = Receipt.objects.filter(document=docs.issued).values_list("chase_count", flat=True)
        return Chase.objects.count(), sorted(chased)

    assert_access_matrix(
        client,
        url=url("documents:chase", docs.issued.pk),
        method="post",
        data={},
        in_scope=dw.oscar,
        out_of_scope=dw.dave,
        no_role=dw.bob,
        expect={"in_scope": 302},
        state=state,
    )


def test_timeliness_statistics(client, dw):
    result = assert_access_matrix(
        client,
        url=url("documents:timeliness"),
        in_scope=dw.oscar,
        out_of_scope=dw.dave,
        no_role=dw.charlie,
        expect={"out_of_scope": 200},
    )
    assert "综采一队党支部" not in result.responses["out_of_scope"].content.decode()


@pytest.mark.parametrize(
    ("name", "holder", "action"),
    [
        ("outgoing_export", "oscar", "documents.register_export"),
        ("inbox_export", "bob", "documents.register_export"),
        ("timeliness_export", "oscar", "documents.timeliness_export"),
    ],
)
def test_the_excel_exports(client, dw, name, holder, action):
    def exports():
        return AuditEntry.objects.filter(action=action).count()

    before = exports()
    result = assert_access_matrix(
        client,
        url=url(f"documents:{name}"),
        in_scope=getattr(dw, holder),
        no_role=dw.charlie,
        state=exports,
    )
    assert "spreadsheetml" in result.responses["in_scope"]["Content-Type"]
    assert exports() == before + 1


def test_the_senders_pdf(client, dw, docs):
    result = assert_access_matrix(
        client,
        url=url("documents:pdf", docs.issued.pk),
        in_scope=dw.oscar,
        out_of_scope=dw.dave,
        no_role=dw.bob,
    )
    assert result.responses["in_scope"]["Content-Type"] == "application/pdf"


def test_a_receipts_pdf(client, dw, docs):
    link = url("documents:receipt_pdf", docs.receipt.pk)
    client.force_login(dw.bob)
    assert client.get(link).status_code == 302  # not signed yet: back to the 签收 button
    receipt_sign(actor=dw.bob, receipt=docs.receipt)
    result = assert_access_matrix(
        client, url=link, in_scope=dw.bob, out_of_scope=dw.dave, no_role=dw.charlie
    )
    assert result.responses["in_scope"]["Content-Type"] == "application/pdf"
    client.force_login(dw.cora)
    assert client.get(link).status_code == 404


# --- 工作任务 (office) -----------------------------------------------------------------------
# The task pages answer 404 to whoever neither assigns nor handles tasks (the office's
# convention, lists included). The detail, export, submission, assignment, submit, accept and
# close pages have their matrix in office/tests/test_views.py; the rest are here.


def _draft_task(dw):
    from dangjian.office import services

    return services.task_create(
        actor=dw.oscar,
        organization=dw.mine,
        data={
            "title": "报送矩阵测试材料",
            "description": "请按要求报送。",
            "deadline": timezone.now() + datetime.timedelta(days=3),
            "requires_files": True,
            "requires_form": False,
        },
    )


def _task_files(task):
    return sorted(task.files.values_list("pk", "title"))


def test_the_task_list(client, dw):
    from dangjian.office.tests.helpers import open_task

    task = open_task(dw, "矩阵测试任务", to=[dw.branch1])
    result = assert_access_matrix(
        client,
        url=url("office:tasks", query="tab=all"),
        in_scope=dw.oscar,
        out_of_scope=dw.dave,
        no_role=dw.charlie,
        expect={"out_of_scope": 200},
    )
    assert task.title in result.responses["in_scope"].content.decode()
    assert task.title not in result.responses["out_of_scope"].content.decode()
    client.force_login(dw.bob)  # an assignee is sent to his own list
    assert client.get(url("office:tasks"))["Location"] == url("office:assignments")


def test_my_assignments(client, dw):
    from dangjian.office.tests.helpers import open_task

    task = open_task(dw, "矩阵测试任务", to=[dw.branch1])
    result = assert_access_matrix(
        client,
        url=url("office:assignments", query="tab=all"),
        in_scope=dw.bob,
        out_of_scope=dw.cora,
        no_role=dw.charlie,
        expect={"out_of_scope": 200},
    )
    assert task.title in result.responses["in_scope"].content.decode()
    assert task.title not in result.responses["out_of_scope"].content.decode()


def test_a_new_task(client, dw):
    assert_access_matrix(client, url=url("office:task_new"), in_scope=dw.oscar, no_role=dw.charlie)
    client.force_login(dw.bob)
    assert client.get(url("office:task_new")).status_code == 404


def test_editing_a_draft_task(client, dw):
    task = _draft_task(dw)
    assert_access_matrix(
        client,
        url=url("office:task_edit", task.pk),
        in_scope=dw.oscar,
        out_of_scope=dw.dave,
        no_role=dw.bob,
    )


def test_a_task_file_uploaded_and_deleted(client, dw):
    from dangjian.office.models import TaskFile
    from dangjian.office.tests.helpers import pdf

    task = _draft_task(dw)
    for user in (dw.charlie, dw.dave, dw.bob):
        client.force_login(user)
        link = url("office:task_file_upload", task.pk)
        response = client.post(link, {"purpose": "reference", "file": pdf()})
        assert response.status_code == 404, user
    assert _task_files(task) == []
    client.force_login(dw.oscar)
    response = client.post(
        url("office:task_file_upload", task.pk), {"purpose": "reference", "file": pdf()}
    )
    assert response.status_code == 302
    stored = TaskFile.objects.get(task=task)
    assert_access_matrix(
        client,
        url=url("office:task_file_delete", task.pk, stored.pk),
        method="post",
        data={},
        in_scope=dw.oscar,
        out_of_scope=dw.dave,
        no_role=dw.bob,
        expect={"in_scope": 302},
        state=lambda: _task_files(task),
    )
    assert _task_files(task) == []


def test_opening_a_task(client, dw):
    from dangjian.office.models import TaskAssignment, WorkTask

    task = _draft_task(dw)
    assert_access_matrix(
        client,
        url=url("office:task_open", task.pk),
        method="post",
        data={"mode": "all", "org_type": "branch"},
        in_scope=dw.oscar,
        out_of_scope=dw.dave,
        no_role=dw.bob,
        expect={"in_scope": 302},
        state=lambda: (
            _row(WorkTask, task.pk),
            TaskAssignment.objects.filter(task=task).count(),
        ),
    )
    assert set(TaskAssignment.objects.filter(task=task).values_list("organization", flat=True)) == {
        dw.branch1.pk,
        dw.branch2.pk,
    }


def test_cancelling_and_chasing_a_task(client, dw):
    from dangjian.notifications.models import Notification
    from dangjian.office.models import WorkTask
    from dangjian.office.tests.helpers import open_task

    task = open_task(dw, "矩阵测试任务", to=[dw.branch1])
    assert_access_matrix(
        client,
        url=url("office:task_action", task.pk, "chase"),
        method="post",
        data={},
        in_scope=dw.oscar,
        out_of_scope=dw.dave,
        no_role=dw.bob,
        expect={"in_scope": 302},
        state=lambda: Notification.objects.filter(category="office").count(),
    )
    assert_access_matrix(
        client,
        url=url("office:task_action", task.pk, "cancel"),
        method="post",
        data={"reason": "任务重复下达"},
        in_scope=dw.oscar,
        out_of_scope=dw.dave,
        no_role=dw.bob,
        expect={"in_scope": 302},
        state=lambda: _row(WorkTask, task.pk),
    )
    assert WorkTask.objects.get(pk=task.pk).status == WorkTask.Status.CANCELLED


def test_returning_a_submission(client, dw):
    from dangjian.office import services
    from dangjian.office.models import TaskAssignment
    from dangjian.office.tests.helpers import assignment_of, open_task, pdf

    task = open_task(dw, "矩阵测试任务", to=[dw.branch1])
    one = assignment_of(task, dw.branch1)
    services.assignment_submit(actor=dw.bob, assignment=one, report="已完成", files=[pdf()])
    assert_access_matrix(
        client,
        url=url("office:submission_action", one.pk, "return"),
        method="post",
        data={"note": "请补充签字页"},
        in_scope=dw.oscar,
        out_of_scope=dw.dave,
        no_role=dw.bob,  # the assignee does not review his own report
        expect={"in_scope": 302},
        state=lambda: _row(TaskAssignment, one.pk),
    )
    assert TaskAssignment.objects.get(pk=one.pk).status == TaskAssignment.Status.RETURNED


def test_merging_the_forms(client, dw):
    from dangjian.office import services
    from dangjian.office.tests.helpers import assignment_of, open_task, workbook

    task = open_task(dw, "矩阵测试任务", to=[dw.branch1], form=True)
    one = assignment_of(task, dw.branch1)
    services.assignment_submit(
        actor=dw.bob, assignment=one, report="见表", form=workbook(rows=[["米娅", "女", "", ""]])
    )
    result = assert_access_matrix(
        client,
        url=url("office:task_merge", task.pk),
        method="post",
        data={},
        in_scope=dw.oscar,
        out_of_scope=dw.dave,
        no_role=dw.bob,
    )
    assert "spreadsheetml" in result.responses["in_scope"]["Content-Type"]

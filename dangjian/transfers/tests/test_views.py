"""The transfer pages: permission matrix, query counts, the state machine through the UI."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.members.models import Member, Status
from dangjian.members.tests.factories import make_member
from dangjian.transfers.models import Letter, State, Transfer
from dangjian.transfers.tests.helpers import DAY, TODAY, issued, request_out

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(TODAY, tick=False)


def _state():
    return list(Transfer.objects.values("pk", "state")) + list(
        Member.objects.values("pk", "organization_id", "status")
    )


def test_outgoing_list_matrix(client, world):
    issued(world, make_member(world.branch1, "张三"))
    result = assert_access_matrix(
        client,
        url=reverse("transfers:list"),
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect={"out_of_scope": 200},
    )
    assert "张三" in result.responses["in_scope"].content.decode()
    assert "张三" not in result.responses["out_of_scope"].content.decode()


def test_incoming_list_shows_what_is_addressed_to_the_subtree(client, world):
    issued(world, make_member(world.branch1, "张三"), destination=world.branch3)
    client.force_login(world.dave)
    assert "张三" in client.get(reverse("transfers:incoming")).content.decode()
    assert "张三" not in client.get(reverse("transfers:list")).content.decode()
    client.force_login(world.alice)
    assert "张三" not in client.get(reverse("transfers:incoming")).content.decode()


def test_detail_matrix(client, world):
    transfer = issued(world, make_member(world.branch1, "张三"))
    assert_access_matrix(
        client,
        url=reverse("transfers:detail", args=[transfer.pk]),
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
    )


def test_the_receiver_sees_the_transfer_but_not_the_member_record(client, world):
    zhang = make_member(world.branch1, "张三")
    transfer = issued(world, zhang, destination=world.branch3)
    client.force_login(world.dave)
    page = client.get(reverse("transfers:detail", args=[transfer.pk])).content.decode()
    assert "张三" in page and 'data-testid="action-accept"' in page
    assert reverse("members:detail", args=[zhang.pk]) not in page
    assert zhang.person.id_number not in page


def test_list_filters_and_a_bad_filter_is_no_error(client, world):
    issued(world, make_member(world.branch1, "张三"), day=date(2026, 1, 5), validity_days=10)
    request_out(world, make_member(world.branch1, "李四"))
    client.force_login(world.alice)
    page = client.get(reverse("transfers:list"), {"overdue": "1"}).content.decode()
    assert "张三" in page and "李四" not in page
    page = client.get(reverse("transfers:list"), {"state": "requested"}).content.decode()
    assert "李四" in page and "张三" not in page
    assert client.get(reverse("transfers:list"), {"state": "bogus", "page": "x"}).status_code == 200


def test_the_list_query_count_does_not_grow_with_rows(client, world):
    client.force_login(world.alice)
    issued(world, make_member(world.branch1, "甲"))
    client.get(reverse("transfers:list"))  # warm the session and the caches
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("transfers:list"))
    for index in range(6):
        issued(world, make_member(world.branch1, f"乙{index}"), destination=world.branch2)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("transfers:list"))
    assert len(many) == len(few)


def test_the_detail_query_count_is_bounded(client, world):
    transfer = issued(world, make_member(world.branch1, "甲"))
    client.force_login(world.alice)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("transfers:detail", args=[transfer.pk]))
    assert len(queries) <= 20


def test_step_matrix_for_issuing_the_letter(client, world):
    transfer = request_out(world, make_member(world.branch1, "张三"))
    Transfer.objects.filter(pk=transfer.pk).update(
        state=State.BRANCH_APPROVED, branch_approved_on=DAY
    )
    url = reverse("transfers:step", args=[transfer.pk, "issue_letter"])
    data = {"issued_on": "2026-03-05", "validity_days": "30", "dues_paid_through": "2026-02"}
    assert_access_matrix(
        client,
        url=url,
        method="post",
        data=data,
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
        state=_state,
        expect={"in_scope": 302},
    )
    letter = Letter.objects.get()
    assert letter.dues_paid_through == date(2026, 2, 1) and letter.validity_days == 30


def test_a_step_not_offered_now_is_refused_on_the_page_and_changes_nothing(client, world):
    transfer = request_out(world, make_member(world.branch1, "张三"))
    client.force_login(world.alice)
    url = reverse("transfers:step", args=[transfer.pk, "received"])
    before = _state()
    response = client.post(url, {"received_on": "2026-03-05"})
    assert response.status_code == 409
    assert "不能办理" in response.content.decode()
    assert _state() == before
    assert client.get(reverse("transfers:step", args=[transfer.pk, "nonsense"])).status_code == 404


def test_the_bob_may_not_issue_even_by_posting(client, world):
    transfer = request_out(world, make_member(world.branch1, "张三"))
    Transfer.objects.filter(pk=transfer.pk).update(
        state=State.BRANCH_APPROVED, branch_approved_on=DAY
    )
    client.force_login(world.bob)
    before = _state()
    url = reverse("transfers:step", args=[transfer.pk, "issue_letter"])
    response = client.post(url, {"issued_on": "2026-03-05", "validity_days": "30"})
    assert response.status_code == 409 and _state() == before


def test_a_bad_date_is_explained_in_chinese(client, world):
    transfer = request_out(world, make_member(world.branch1, "张三"))
    client.force_login(world.bob)
    url = reverse("transfers:step", args=[transfer.pk, "branch_approve"])
    response = client.post(url, {"approved_on": "2027-01-01"})
    assert "不能晚于今天" in response.content.decode()
    response = client.post(url, {"approved_on": "not a date"})
    assert "日期格式不正确" in response.content.decode()


def test_the_request_page_matrix_and_its_errors(client, world):
    zhang = make_member(world.branch1, "张三")
    url = reverse("transfers:new")
    data = {
        "member": zhang.pk,
        "within": "outside",
        "destination_name": "外地党委",
        "reason": "调动",
        "requested_on": "2026-03-05",
    }
    assert_access_matrix(
        client,
        url=url,
        method="post",
        data=data,
        in_scope=world.bob,
        no_role=world.charlie,
        out_of_scope=world.dave,
        state=_state,
        expect={"in_scope": 302, "out_of_scope": 200},
    )
    assert Transfer.objects.get().destination_name == "外地党委"
    client.force_login(world.bob)
    page = client.post(url, {**data, "within": "inside"}).content.decode()
    assert "请选择平台内的接收党组织" in page
    page = client.post(url, {**data, "member": "999999"}).content.decode()
    assert "所选党员不在您可以办理转接的范围内" in page


def test_register_page_creates_an_incoming_transfer(client, world):
    client.force_login(world.bob)
    response = client.post(
        reverse("transfers:register"),
        {
            "receiver": world.branch1.pk,
            "name": "赵六",
            "id_number": "11010519491231002X",
            "category": "probationary",
            "joined_on": "2025-09-01",
            "origin_name": "外地党委",
            "registered_on": "2026-03-05",
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "110105********002X" in page or "1101" in page
    assert "11010519491231002X" not in page
    bad = client.post(
        reverse("transfers:register"),
        {
            "receiver": world.branch1.pk,
            "name": "x",
            "id_number": "12345",
            "category": "full",
            "joined_on": "2020-01-01",
            "full_member_on": "2021-01-01",
            "origin_name": "y",
            "registered_on": "2026-03-05",
        },
    )
    assert "身份证号有误" in bad.content.decode()


def test_the_full_in_tree_path_through_the_pages(client, world):
    zhang = make_member(world.branch1, "张三")
    client.force_login(world.bob)
    response = client.post(
        reverse("transfers:new"),
        {
            "member": zhang.pk,
            "within": "inside",
            "destination": world.mine2.pk,
            "reason": "调往二矿",
            "requested_on": "2026-03-05",
        },
    )
    transfer = Transfer.objects.get()
    client.post(
        reverse("transfers:step", args=[transfer.pk, "branch_approve"]),
        {"approved_on": "2026-03-05"},
    )
    client.force_login(world.alice)
    client.post(
        reverse("transfers:step", args=[transfer.pk, "issue_letter"]),
        {"issued_on": "2026-03-06", "validity_days": "30"},
    )
    client.force_login(world.dave)
    response = client.post(
        reverse("transfers:step", args=[transfer.pk, "accept"]),
        {"accepted_on": "2026-03-09", "branch": world.branch3.pk},
    )
    assert response.status_code == 302
    zhang.refresh_from_db()
    assert zhang.organization == world.branch3 and zhang.status == Status.NORMAL
    assert Transfer.objects.get().state == State.CLOSED


def test_letter_pdf_is_audited_and_masks_without_reveal(client, world, monkeypatch):
    from dangjian.audit.models import AuditEntry
    from dangjian.transfers import views

    zhang = make_member(world.branch1, "张三")
    transfer = issued(world, zhang)
    seen = {}

    def fake_render(template, context):
        seen.update(context)
        return b"%PDF-1.7 test"

    monkeypatch.setattr(views, "render_pdf", fake_render)
    url = reverse("transfers:letter", args=[transfer.pk])
    assert_access_matrix(
        client,
        url=url,
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
    )
    assert seen["id_number"] == zhang.person.id_number  # 组织部 holds reveal_sensitive
    assert AuditEntry.objects.filter(action="transfers.letter_print").count() == 1
    client.force_login(world.bob)
    assert client.get(url).status_code == 403


def test_the_letter_really_renders_as_pdf(client, world):
    transfer = issued(world, make_member(world.branch1, "张三"))
    client.force_login(world.alice)
    response = client.get(reverse("transfers:letter", args=[transfer.pk]))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def test_member_tab_lists_the_transfers(client, world):
    zhang = make_member(world.branch1, "张三")
    issued(world, zhang)
    client.force_login(world.bob)
    page = client.get(reverse("members:detail", args=[zhang.pk]) + "?tab=transfers")
    assert page.status_code == 200
    assert "组织关系转接" in page.content.decode()


def test_member_tab_reminds_to_transfer_a_member_away_six_months(client, world):
    zhang = make_member(world.branch1, "张三")
    Member.objects.filter(pk=zhang.pk).update(
        is_floating=True, floating_since=date(2025, 8, 1), floating_destination="深圳"
    )
    client.force_login(world.bob)
    page = client.get(reverse("members:detail", args=[zhang.pk]) + "?tab=transfers")
    text = page.content.decode()
    assert "已满 6 个月" in text and "应当转移组织关系" in text
    assert f"{reverse('transfers:new')}?member={zhang.pk}" in text


def test_the_incoming_path_from_outside_through_the_pages(client, world):
    client.force_login(world.bob)
    client.post(
        reverse("transfers:register"),
        {
            "receiver": world.mine.pk,
            "name": "赵六",
            "id_number": "11010519491231002X",
            "category": "probationary",
            "joined_on": "2025-09-01",
            "origin_name": "外地党委",
            "registered_on": "2026-03-05",
        },
    )
    assert not Transfer.objects.exists()  # bob's grant is on branch1, not the mine
    client.force_login(world.alice)
    client.post(
        reverse("transfers:register"),
        {
            "receiver": world.mine.pk,
            "name": "赵六",
            "id_number": "11010519491231002X",
            "category": "probationary",
            "joined_on": "2025-09-01",
            "origin_name": "外地党委",
            "registered_on": "2026-03-05",
        },
    )
    transfer = Transfer.objects.get()
    steps = [
        ("verify", {"verified_on": "2026-03-05", "verify_method": "online", "archive_note": ""}),
        ("accept_in", {"accepted_on": "2026-03-06"}),
        ("assign", {"assigned_on": "2026-03-06", "branch": world.branch2.pk}),
        ("send_receipt", {"sent_on": "2026-03-09"}),
    ]
    for verb, data in steps:
        response = client.post(reverse("transfers:step", args=[transfer.pk, verb]), data)
        assert response.status_code == 302, (verb, response.content.decode()[:2000])
    transfer.refresh_from_db()
    assert transfer.state == State.RECEIPT_SENT
    assert Member.objects.get(person=transfer.person).organization == world.branch2


def test_no_step_page_fails_whatever_the_transfer(client, world):
    from dangjian.transfers.selectors import ACTIONS

    outside = issued(world, make_member(world.branch1, "甲"))
    inside = request_out(world, make_member(world.branch1, "乙"), destination=world.mine)
    client.force_login(world.alice)
    incoming = client.post(
        reverse("transfers:register"),
        {
            "receiver": world.branch1.pk,
            "name": "赵六",
            "id_number": "11010519491231002X",
            "category": "probationary",
            "joined_on": "2025-09-01",
            "origin_name": "外地党委",
            "registered_on": "2026-03-05",
        },
    )
    assert incoming.status_code == 302
    for transfer in Transfer.objects.all():
        for verb in ACTIONS:
            url = reverse("transfers:step", args=[transfer.pk, verb])
            assert client.get(url).status_code == 200, (transfer, verb)
            response = client.post(url, {"branch": "x", "issued_on": "2026-13-01"})
            assert response.status_code in (200, 302, 409), (transfer, verb)
    assert outside.pk and inside.pk


def test_member_tab_query_count_does_not_grow_with_transfers(client, world):
    from dangjian.transfers import services as svc

    zhang = make_member(world.branch1, "张三")
    url = reverse("members:detail", args=[zhang.pk]) + "?tab=transfers"
    client.force_login(world.alice)
    first = request_out(world, zhang)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(3):
        svc.transfer_cancel(actor=world.alice, transfer=first, reason="重办")
        first = request_out(world, zhang)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)

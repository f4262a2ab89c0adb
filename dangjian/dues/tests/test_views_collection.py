"""党费收缴 pages: a branch's month (rows, totals, inline payment, 工资代扣, run), a committee's
summary per branch; who sees what (404 outside the scope) and the queries per page."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.dues.models import EntryStatus, LedgerEntry, MonthlyRun, Payment
from dangjian.dues.tests.conftest import give_base, give_entry
from dangjian.members.tests.factories import make_member

D = Decimal
SEPTEMBER = datetime.date(2026, 9, 1)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2026, 9, 10, 9, 0), tick=False):
        yield


def month_url(org, month=SEPTEMBER, name="dues:branch-month"):
    return reverse(name, args=[org.pk, month.year, month.month])


def entries_state():
    return lambda: (
        sorted(LedgerEntry.objects.values_list("pk", "status", "amount_paid")),
        Payment.objects.count(),
    )


def test_the_branch_month_answers_by_scope(client, world, zhang):
    give_entry(zhang, SEPTEMBER)
    result = assert_access_matrix(
        client,
        url=month_url(world.branch1),
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
    )
    page = result.responses["in_scope"].content.decode()
    assert "张三" in page and "40.00" in page
    assert 'data-testid="pay-button"' in page


def test_a_month_that_cannot_exist_is_a_missing_page(client, world):
    client.force_login(world.bob)
    for args in ([world.branch1.pk, 2026, 13], [world.branch1.pk, 1999, 1], [99999, 2026, 9]):
        assert client.get(reverse("dues:branch-month", args=args)).status_code == 404


def test_home_sends_the_user_to_their_highest_organisation_this_month(client, world):
    client.force_login(world.alice)
    response = client.get(reverse("dues:home"))
    assert response["Location"] == month_url(world.mine)
    response = client.get(reverse("dues:home"), {"org": world.branch2.pk, "month": "2026-03"})
    assert response["Location"] == month_url(world.branch2, datetime.date(2026, 3, 1))


def test_home_refuses_a_user_without_dues_and_sends_a_member_to_their_own(client, world):
    client.force_login(world.charlie)
    assert client.get(reverse("dues:home")).status_code == 403
    member = make_member(world.branch1, "赵六")
    world.charlie.person = member.person
    world.charlie.save()
    assert client.get(reverse("dues:home"))["Location"] == reverse("dues:mine")


def test_home_with_an_organisation_out_of_scope_is_404(client, world):
    client.force_login(world.bob)
    assert client.get(reverse("dues:home"), {"org": world.branch3.pk}).status_code == 404
    assert client.get(reverse("dues:home"), {"org": "x"}).status_code == 404


def test_the_totals_count_due_paid_and_owed(client, world, zhang):
    give_entry(zhang, SEPTEMBER, amount="40.00", status="paid")
    other = make_member(world.branch1, "钱七")
    give_entry(other, SEPTEMBER, amount="15.00")
    client.force_login(world.bob)
    response = client.get(month_url(world.branch1))
    summary = response.context["summary"]
    assert (summary["due"], summary["paid"], summary["owed"]) == (D("55"), D("40"), D("15"))
    assert (summary["rows"], summary["settled"]) == (2, 1)
    totals = client.get(month_url(world.branch1, name="dues:totals"))
    assert "55.00" in totals.content.decode()


def test_the_branch_month_runs_the_same_queries_for_more_members(
    client, world, django_assert_max_num_queries
):
    def add(count, start):
        for index in range(count):
            member = make_member(world.branch1, f"党员{start + index}")
            give_entry(member, SEPTEMBER)

    client.force_login(world.bob)
    add(3, 0)
    with django_assert_max_num_queries(30) as first:
        client.get(month_url(world.branch1))
    add(12, 3)
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = client.get(month_url(world.branch1))
    assert response.content.decode().count('data-testid="entry-row"') == 15


def test_a_committee_sees_one_summary_row_per_branch(
    client, world, zhang, li, django_assert_max_num_queries
):
    give_entry(zhang, SEPTEMBER, status="paid")
    give_entry(li, SEPTEMBER)
    client.force_login(world.alice)
    with django_assert_max_num_queries(30) as first:
        response = client.get(month_url(world.mine))
    page = response.content.decode()
    assert "综采一队党支部" in page and "掘进二队党支部" in page
    assert 'data-testid="entry-row"' not in page
    for index in range(5):
        give_entry(make_member(world.branch2, f"孙{index}"), SEPTEMBER)
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(month_url(world.mine))


# ---------------------------------------------------------------- inline payment


def test_the_payment_form_comes_inline_and_saves_the_row(client, world, zhang):
    entry = give_entry(zhang, SEPTEMBER, amount="40.00")
    client.force_login(world.bob)
    url = reverse("dues:payment", args=[entry.pk])
    form = client.get(url, headers={"HX-Request": "true"})
    assert 'data-testid="payment-form"' in form.content.decode()
    response = client.post(
        url,
        {
            "paid_on": "2026-09-10",
            "amount": "",
            "channel": "cash",
            "payer_name": "张三妻子",
            "receipt_number": "R-001",
            "version": "0.00:unpaid",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "dues-changed"
    entry.refresh_from_db()
    assert (entry.status, entry.amount_paid, entry.payer_name) == ("paid", D("40"), "张三妻子")
    assert "张三妻子（代缴）" in response.content.decode()


def test_a_second_submit_of_the_same_form_records_nothing_more(client, world, zhang):
    entry = give_entry(zhang, SEPTEMBER, amount="40.00")
    client.force_login(world.bob)
    data = {"paid_on": "2026-09-10", "amount": "10", "channel": "cash", "version": "0.00:unpaid"}
    url = reverse("dues:payment", args=[entry.pk])
    client.post(url, data, headers={"HX-Request": "true"})
    again = client.post(url, data, headers={"HX-Request": "true"})
    assert "已经变化" in again.content.decode()
    entry.refresh_from_db()
    assert entry.amount_paid == D("10") and Payment.objects.count() == 1


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("abc", "金额格式不正确"),
        ("-5", "金额必须大于 0"),
        ("1.234", "最多精确到分"),
        ("1e400", "金额"),
        ("99999999999999", "金额过大"),
    ],
)
def test_a_malformed_amount_is_explained_and_nothing_changes(client, world, zhang, amount, message):
    entry = give_entry(zhang, SEPTEMBER)
    client.force_login(world.bob)
    before = entries_state()()
    response = client.post(
        reverse("dues:payment", args=[entry.pk]),
        {"paid_on": "2026-09-10", "amount": amount, "channel": "cash", "version": "0.00:unpaid"},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert entries_state()() == before


def test_a_bad_date_or_channel_is_explained(client, world, zhang):
    entry = give_entry(zhang, SEPTEMBER)
    client.force_login(world.bob)
    response = client.post(
        reverse("dues:payment", args=[entry.pk]),
        {"paid_on": "2026-02-31", "channel": "bitcoin", "version": "0.00:unpaid"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "日期格式不正确" in page and "请选择缴纳方式" in page


def test_catch_up_older_than_six_months_is_refused_with_the_earliest_month(client, world, zhang):
    old = give_entry(zhang, datetime.date(2026, 2, 1))
    client.force_login(world.bob)
    page = client.get(month_url(world.branch1, old.month)).content.decode()
    assert "已超过补交期限" in page and "2026年3月" in page
    response = client.post(
        reverse("dues:payment", args=[old.pk]),
        {"paid_on": "2026-09-10", "channel": "cash", "version": "0.00:unpaid"},
        headers={"HX-Request": "true"},
    )
    text = response.content.decode()
    assert "补交最多追溯 6 个月" in text and "最早只能补交2026年03月" in text
    old.refresh_from_db()
    assert old.status == EntryStatus.UNPAID and not Payment.objects.exists()


def test_the_payment_pages_answer_by_scope(client, world, zhang):
    entry = give_entry(zhang, SEPTEMBER)
    data = {"paid_on": "2026-09-10", "channel": "cash", "version": "0.00:unpaid"}
    assert_access_matrix(
        client,
        url=reverse("dues:payment", args=[entry.pk]),
        method="post",
        data=data,
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect={"in_scope": 302},
        state=entries_state(),
    )
    assert_access_matrix(
        client,
        url=reverse("dues:entry-row", args=[entry.pk]),
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
    )


def test_a_member_cannot_record_their_own_payment(client, world, zhang):
    entry = give_entry(zhang, SEPTEMBER)
    world.charlie.person = zhang.person
    world.charlie.save()
    client.force_login(world.charlie)
    response = client.post(
        reverse("dues:payment", args=[entry.pk]),
        {"paid_on": "2026-09-10", "channel": "cash", "version": "0.00:unpaid"},
    )
    assert response.status_code == 404
    assert not Payment.objects.exists()


# ---------------------------------------------------------------- payroll and the run


def test_payroll_marks_every_unsettled_row_once(client, world, zhang):
    give_entry(zhang, SEPTEMBER)
    other = make_member(world.branch1, "钱七")
    give_entry(other, SEPTEMBER, status="paid")
    client.force_login(world.bob)
    url = month_url(world.branch1, name="dues:payroll")
    response = client.post(url, {"paid_on": "2026-09-10"}, follow=True)
    assert "已将 1 人" in response.content.decode()
    assert set(LedgerEntry.objects.values_list("status", flat=True)) == {"paid"}
    again = client.post(url, {"paid_on": "2026-09-10"}, follow=True)
    assert "没有需要标记" in again.content.decode()
    assert Payment.objects.count() == 1


def test_payroll_with_a_bad_date_changes_nothing(client, world, zhang):
    give_entry(zhang, SEPTEMBER)
    client.force_login(world.bob)
    response = client.post(
        month_url(world.branch1, name="dues:payroll"), {"paid_on": "9/10"}, follow=True
    )
    assert "代扣日期格式不正确" in response.content.decode()
    assert LedgerEntry.objects.get().status == "unpaid"


def test_payroll_and_run_answer_by_scope(client, world, zhang):
    give_base(zhang, 2026)
    for name in ("dues:payroll", "dues:run"):
        assert_access_matrix(
            client,
            url=month_url(world.branch1, name=name),
            method="post",
            data={"paid_on": "2026-09-10"},
            in_scope=world.bob,
            out_of_scope=world.dave,
            no_role=world.charlie,
            expect={"in_scope": 302},
            state=entries_state(),
        )


def test_the_run_creates_the_rows_and_a_second_run_creates_none(client, world, zhang):
    give_base(zhang, 2026, base="4000.00")
    make_member(world.branch1, "钱七")  # no base: counted, skipped
    client.force_login(world.bob)
    url = month_url(world.branch1, name="dues:run")
    page = client.post(url, follow=True).content.decode()
    assert "已生成 1 人" in page and "1 人尚未核定党费基数" in page
    entry = LedgerEntry.objects.get()
    assert entry.amount_due == D("40.00")
    page = client.post(url, follow=True).content.decode()
    assert "已生成 0 人" in page and "1 人此前已生成" in page
    assert LedgerEntry.objects.count() == 1
    assert MonthlyRun.objects.count() == 2


def test_get_on_a_write_is_refused(client, world):
    client.force_login(world.bob)
    for name in ("dues:payroll", "dues:run"):
        assert client.get(month_url(world.branch1, name=name)).status_code == 405


def test_a_large_run_goes_to_the_job_progress_page(
    client, world, zhang, li, django_capture_on_commit_callbacks
):
    from dangjian.core.models import RuleVersion
    from dangjian.core.rules import invalidate

    RuleVersion.objects.create(
        key="dues.run_task_members", value=1, valid_from=datetime.date(2000, 1, 1)
    )
    invalidate("dues.run_task_members")
    give_base(zhang, 2026)
    give_base(li, 2026, category="retired", base="3000.00")
    client.force_login(world.alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(month_url(world.mine, name="dues:run"))
    run = MonthlyRun.objects.get()
    assert response["Location"] == reverse("core:job_detail", args=[run.job_id])
    progress = client.get(response["Location"])
    assert progress.status_code == 200 and 'data-testid="job-progress"' in progress.content.decode()
    assert LedgerEntry.objects.count() == 2

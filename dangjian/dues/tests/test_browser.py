"""A branch secretary collects a month's dues in a real browser, at desktop and phone widths:
records a payment inline (代缴, receipt), marks the rest as 工资代扣, sees the arrears list,
prepares and publishes the yearly statement; then a member reads it on their own page."""

import datetime
import importlib

import pytest
from django.utils import timezone

from dangjian.dues.tests.conftest import give_base, give_entry
from dangjian.members.tests.factories import make_member


def shift(month: datetime.date, months: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def rate_table_2008() -> None:
    from django.apps import apps

    migration = importlib.import_module("dangjian.dues.migrations.0002_rate_table_2008")
    migration.load(apps, None)


@pytest.mark.browser
def test_a_secretary_collects_a_month_and_a_member_reads_the_statement(browser_session, live_world):
    from playwright.sync_api import expect

    from dangjian.core.testing.world import make_user

    world = live_world
    rate_table_2008()  # a transactional test flushes what the data migration loaded
    month = timezone.localdate().replace(day=1)
    zhang = make_member(world.branch1, "张三")
    qian = make_member(world.branch1, "钱七")
    wang = make_member(world.branch1, "王二")
    for member, base in ((zhang, "4500.00"), (qian, "8000.00"), (wang, "2800.00")):
        give_base(member, month.year, base=base)
    give_entry(zhang, month, amount="45.00")
    give_entry(qian, month, amount="120.00")
    for back in range(4, 0, -1):  # 王二 owes the four months before this one
        give_entry(wang, shift(month, -back), amount="14.00")
    reader = make_user("zhaoliu", "赵六")
    reader.person = make_member(world.branch1, "赵六").person
    reader.save()

    page = browser_session.page
    page.set_default_timeout(30_000)
    browser_session.sign_in(world.bob)
    browser_session.goto(f"/dues/orgs/{world.branch1.pk}/{month.year}/{month.month}/")
    expect(page.get_by_role("heading", name="党费")).to_be_visible()
    expect(page.get_by_test_id("total-due")).to_have_text("165.00")
    browser_session.screenshot("dues-month")

    row = page.locator("[data-testid=entry-row]", has_text="张三")
    row.get_by_test_id("pay-button").click()
    form = page.get_by_test_id("payment-form")
    expect(form).to_be_visible()
    form.locator("input[name=amount]").fill("四十五")
    form.get_by_test_id("payment-save").click()
    form = page.get_by_test_id("payment-form")
    expect(form.get_by_test_id("field-error")).to_contain_text("金额格式不正确")
    form.locator("input[name=amount]").fill("")
    form.locator("input[name=payer_name]").fill("张三妻子")
    form.locator("input[name=receipt_number]").fill("R-0001")
    browser_session.screenshot("dues-payment-form")
    form.get_by_test_id("payment-save").click()
    paid = page.locator("[data-testid=entry-row]", has_text="张三")
    expect(paid.get_by_test_id("entry-status")).to_have_text("已缴清")
    expect(page.get_by_test_id("total-paid")).to_have_text("45.00")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("payroll-mark").click()
    expect(page.locator(".alert-success")).to_contain_text("已将 1 人")
    expect(page.get_by_test_id("total-owed")).to_have_text("0.00")
    expect(page.get_by_test_id("total-count")).to_have_text("2 / 2")
    browser_session.screenshot("dues-month-paid")

    browser_session.goto("/dues/arrears/")
    arrears = page.locator("[data-testid=arrears-row]", has_text="王二")
    expect(arrears).to_contain_text("4 个月")
    expect(arrears.get_by_test_id("alert-badge")).to_be_visible()
    browser_session.screenshot("dues-arrears")

    year = month.year
    browser_session.goto(f"/dues/statements/{world.branch1.pk}/{year}/edit/")
    page.fill("input[name=opening_balance]", "1200.00")
    page.fill("input[name=remitted]", "50.00")
    page.fill("input[name=used]", "300.00")
    page.fill("textarea[name=use_note]", "七一慰问老党员 3 人")
    page.get_by_test_id("statement-save").click()
    expect(page.get_by_test_id("collected")).to_have_text("165.00")
    expect(page.get_by_test_id("balance")).to_have_text("1,015.00")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("published-badge")).to_contain_text("已向党员公开")
    browser_session.screenshot("dues-statement")

    browser_session.context.clear_cookies()
    browser_session.sign_in(reader)
    browser_session.goto("/dues/mine/")
    expect(page.get_by_role("heading", name="我的党费")).to_be_visible()
    page.get_by_role("link", name=f"{year}年党费收支情况").click()
    expect(page.get_by_test_id("collected")).to_have_text("165.00")
    expect(page.get_by_test_id("statement")).to_contain_text("七一慰问老党员")
    expect(page.get_by_test_id("statement-actions")).to_have_count(0)
    browser_session.screenshot("dues-member-statement")
    browser_session.goto("/dues/mine/")
    browser_session.screenshot("dues-mine")


def salary_workbook(rows) -> bytes:
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["工号", "身份证号", "姓名", "计算基数", "党费类别", "备注"])
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_file(name, rows) -> dict:
    return {
        "name": name,
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "buffer": salary_workbook(rows),
    }


@pytest.mark.browser
def test_bases_from_a_salary_excel_a_waiver_and_the_committee_view(
    browser_session, live_world, settings, tmp_path
):
    from playwright.sync_api import expect

    settings.MEDIA_ROOT = str(tmp_path / "media")
    world = live_world
    rate_table_2008()
    year = timezone.localdate().year
    month = timezone.localdate().replace(day=1)
    zhang = make_member(world.branch1, "张三")
    qian = make_member(world.branch1, "钱七")
    sun = make_member(world.branch2, "孙八")
    give_base(sun, year, base="6000.00")
    page = browser_session.page
    page.set_default_timeout(30_000)

    browser_session.sign_in(world.bob)
    browser_session.goto(f"/dues/bases/?year={year}&missing=1")
    expect(page.get_by_test_id("base-row")).to_have_count(2)
    browser_session.screenshot("dues-bases-missing")

    browser_session.goto("/dues/bases/import/")
    bad = [
        (zhang.person.work_number, "", "张三", "5000.01", "", ""),
        (qian.person.work_number, "", "钱琪", "abc", "", ""),
        ("X999", "", "无名", "3000", "", ""),
    ]
    page.set_input_files("input[type=file]", xlsx_file("综采一队工资表.xlsx", bad))
    page.get_by_test_id("upload-submit").click()
    expect(page.get_by_test_id("invalid-note")).to_contain_text("整份文件没有导入")
    expect(page.locator("[data-testid=problem-table] tbody tr")).to_have_count(2)
    expect(page.get_by_test_id("problem-table")).to_contain_text("找不到工号为“X999”的人员")
    browser_session.screenshot("dues-import-invalid")

    browser_session.goto("/dues/bases/import/")
    good = [
        (zhang.person.work_number, "", "张三", "5000.01", "", ""),
        (qian.person.work_number, "", "钱七", "", "学生", "在读研究生"),
    ]
    page.set_input_files("input[type=file]", xlsx_file("综采一队工资表（改）.xlsx", good))
    page.get_by_test_id("upload-submit").click()
    expect(page.get_by_test_id("preview-note")).to_contain_text("还没有写入任何数据")
    browser_session.screenshot("dues-import-preview")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("confirm-import").click()
    expect(page.get_by_test_id("imported-note")).to_contain_text("已核定")

    browser_session.goto(f"/dues/bases/?year={year}")
    table = page.get_by_test_id("bases-table")
    expect(table).to_contain_text("75.00")
    expect(table).to_contain_text("0.20")
    browser_session.screenshot("dues-bases")

    browser_session.goto(f"/dues/hardships/new/{zhang.pk}/")
    page.get_by_label("免交").check()
    page.fill("input[name=first_month]", f"{month:%Y-%m}")
    page.fill("input[name=last_month]", f"{month:%Y-%m}")
    page.fill("textarea[name=reason]", "因工伤长期休养，家庭收入大幅减少")
    page.get_by_test_id("hardship-submit").click()
    expect(page.get_by_test_id("hardship-status").first).to_have_text("待审批")

    browser_session.context.clear_cookies()
    browser_session.sign_in(world.alice)
    browser_session.goto("/dues/hardships/")
    card = page.get_by_test_id("hardship-card").first
    expect(card).to_contain_text("张三")
    browser_session.screenshot("dues-hardship-queue")
    card.get_by_test_id("approve").click()
    expect(page.locator(".alert-success")).to_contain_text("已批准张三的党费减免申请")

    browser_session.goto(f"/dues/orgs/{world.mine.pk}/{month.year}/{month.month}/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("run-month").click()
    expect(page.locator(".alert-success")).to_contain_text("已生成 3 人")
    branches = page.get_by_test_id("branches-table")
    expect(branches).to_contain_text("综采一队党支部")
    expect(branches).to_contain_text("掘进二队党支部")
    browser_session.screenshot("dues-committee-month")

    browser_session.goto(f"/members/{zhang.pk}/?tab=dues")
    tab = page.get_by_test_id("member-dues")
    expect(tab.get_by_test_id("monthly-amount")).to_have_text("75.00 元")
    expect(tab.get_by_test_id("member-entries")).to_contain_text("免交")
    browser_session.screenshot("dues-member-tab")

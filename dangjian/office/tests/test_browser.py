"""工作任务 in a real browser at 1280 and 390 px: bob (书记 of branch1) finds the task on his
phone, downloads nothing he cannot see, reports with a file and the filled form; the mine's
office then sees the counters move and opens his report. Screenshots of every page."""

import pytest

from dangjian.office.tests.helpers import PDF_BYTES, open_task, workbook


@pytest.fixture
def live_dw(transactional_db):
    from dangjian.documents.testing import build_documents_world

    return build_documents_world()


@pytest.mark.browser
def test_a_branch_secretary_reports_with_a_file(browser_session, live_dw):
    from playwright.sync_api import expect

    dw = live_dw
    task = open_task(dw, "报送2026年第三季度党员发展情况", files=True, form=True)
    page = browser_session.page
    browser_session.sign_in(dw.bob)

    browser_session.goto("/office/tasks/")  # the menu entry: a handler lands on his list
    expect(page.get_by_test_id("my-assignment")).to_have_count(1)
    expect(page.get_by_test_id("tab-todo")).to_contain_text("1")
    browser_session.screenshot("office-my-assignments")
    page.get_by_test_id("my-assignment").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("assignment-title")).to_have_text(task.title)
    expect(page.get_by_test_id("template-download")).to_be_visible()
    browser_session.screenshot("office-assignment")

    form = page.get_by_test_id("submit-form")
    form.locator("textarea[name=report]").fill("本季度发展党员2名，材料齐全，请审核。")
    form.locator("input[name=files]").set_input_files(
        [{"name": "发展党员情况说明.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}]
    )
    wrong = workbook(header=["姓名", "性别"])
    form.locator("input[name=form]").set_input_files(
        {"name": "表格.xlsx", "mimeType": "application/octet-stream", "buffer": wrong.read()}
    )
    page.get_by_test_id("submit-button").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("submit-error")).to_contain_text("第 C 列缺少表头“入党时间”")
    browser_session.screenshot("office-submit-refused")

    form = page.get_by_test_id("submit-form")
    form.locator("input[name=files]").set_input_files(
        [{"name": "发展党员情况说明.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}]
    )
    good = workbook(rows=[("张三", "男", "2026-07-01", "预备党员")])
    form.locator("input[name=form]").set_input_files(
        {"name": "发展党员表.xlsx", "mimeType": "application/octet-stream", "buffer": good.read()}
    )
    page.get_by_test_id("submit-button").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("submitted-alert")).to_be_visible()
    expect(page.get_by_test_id("report-files")).to_contain_text("发展党员情况说明.pdf")
    expect(page.get_by_test_id("report-files")).to_contain_text("发展党员表.xlsx")
    browser_session.screenshot("office-submitted")

    browser_session.sign_in(dw.oscar)
    browser_session.goto(f"/office/tasks/{task.pk}/")
    expect(page.get_by_test_id("count-assignees")).to_have_text("2")
    expect(page.get_by_test_id("count-submitted")).to_have_text("1")
    expect(page.get_by_test_id("count-pending")).to_have_text("1")
    browser_session.screenshot("office-task-detail")
    page.get_by_test_id("assignment-table").get_by_role("link", name="审核").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("report-text")).to_contain_text("本季度发展党员2名")
    browser_session.screenshot("office-submission")
    page.get_by_test_id("accept").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("count-accepted")).to_have_text("1")

    import datetime as dt

    from django.utils import timezone

    from dangjian.office import services

    draft = services.task_create(
        actor=dw.oscar,
        organization=dw.mine,
        data={"title": "学习贯彻情况报告", "deadline": timezone.now() + dt.timedelta(days=5)},
    )
    browser_session.goto(f"/office/tasks/{draft.pk}/")
    expect(page.get_by_test_id("open-form")).to_be_visible()
    expect(page.locator("[data-office-pick]")).to_be_hidden()  # only for 指定党组织
    page.get_by_label("指定党组织").check()
    expect(page.locator("[data-office-pick]")).to_be_visible()
    browser_session.screenshot("office-task-draft")
    browser_session.goto("/office/tasks/new/")
    expect(page.get_by_test_id("task-form")).to_be_visible()
    browser_session.screenshot("office-task-new")
    browser_session.goto("/office/tasks/")
    expect(page.get_by_test_id("task-row")).to_have_count(1)
    browser_session.screenshot("office-tasks")

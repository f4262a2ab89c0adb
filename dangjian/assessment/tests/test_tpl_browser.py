"""指标体系 in a real browser at 1280 and 390 px: alice (组织部 of the mine) installs the
standard sheets from the list, reads the 党支部 sheet in the clerks' layout with 合计100分,
adds a graded leaf (the form shows only the graded fields), and sees the used badge once a
period uses the sheet. Screenshots of each page."""

import pytest


@pytest.fixture
def live_aw(transactional_db):
    from dangjian.assessment.testing import build_assessment_world

    return build_assessment_world()


@pytest.mark.browser
def test_organisation_department_builds_the_sheet(browser_session, live_aw):
    from playwright.sync_api import expect

    from dangjian.assessment.models import Indicator, Template
    from dangjian.assessment.standard_sheets import BRANCH_SHEET
    from dangjian.assessment.testing import make_period

    aw = live_aw
    page = browser_session.page
    browser_session.sign_in(aw.alice)
    browser_session.goto("/assessment/templates/")
    expect(page.get_by_test_id("tpl-empty")).to_be_visible()
    page.get_by_test_id("tpl-standard-open").click()
    page.locator("#std-year").fill("2026")
    browser_session.screenshot("assess-tpl-list-empty")
    page.get_by_test_id("tpl-standard-submit").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("tpl-row")).to_have_count(2)
    expect(page.get_by_test_id("tpl-editable")).to_have_count(2)
    browser_session.screenshot("assess-tpl-list")

    page.get_by_test_id("tpl-link").filter(has_text=BRANCH_SHEET).click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("tpl-total")).to_contain_text("合计100分")
    expect(page.get_by_test_id("cat-1")).to_contain_text("支部建设")
    expect(page.get_by_test_id("cat-sum-1")).to_have_text("25分")
    browser_session.screenshot("assess-tpl-detail")

    # Add a graded leaf under 2.2 through the row's menu.
    page.get_by_test_id("actions-2.2").click()
    page.get_by_test_id("add-under-2.2").click()
    page.wait_for_load_state("networkidle")
    form = page.get_by_test_id("indicator-form")
    expect(form.locator("[data-field=levels]")).to_be_hidden()
    expect(form.locator("[data-field=unit_points]")).to_be_visible()
    form.locator("select[name=rule_type]").select_option("graded")
    expect(form.locator("[data-field=levels]")).to_be_visible()
    expect(form.locator("[data-field=unit_points]")).to_be_hidden()
    form.locator("input[name=title]").fill("网评文章质量")
    form.locator("textarea[name=scoring_note]").fill("按质量评定档次")
    form.locator("input[name=levels]").fill("好:2, 一般:1, 差:0")
    browser_session.screenshot("assess-tpl-leaf-form")
    page.get_by_test_id("indicator-save").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("tpl-total")).to_contain_text("合计102分")
    expect(page.locator(".alert-success")).to_contain_text("已添加 2.2.4 网评文章质量")

    # Move it up one place, then delete it (the confirmation is accepted).
    page.get_by_test_id("actions-2.2.4").click()
    page.get_by_test_id("up-2.2.4").click()
    page.wait_for_load_state("networkidle")
    moved = page.locator(f"#ind-{_pk('网评文章质量')}")
    expect(moved).to_contain_text("2.2.3 网评文章质量")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("actions-2.2.3").click()
    page.get_by_test_id("delete-2.2.3").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("tpl-total")).to_contain_text("合计100分")

    # The settings page, and an import refused row by row (nothing changes).
    page.get_by_test_id("tpl-settings").click()
    page.wait_for_load_state("networkidle")
    bands = page.locator("input[name=grade_bands]")
    expect(bands).to_have_value("优秀:90, 良好:80, 合格:60, 不合格:0")
    browser_session.screenshot("assess-tpl-settings")
    page.go_back()
    page.wait_for_load_state("networkidle")
    page.get_by_test_id("tpl-import").click()
    page.wait_for_load_state("networkidle")
    form = page.get_by_test_id("tpl-import-form")
    form.locator("input[name=file]").set_input_files(
        {"name": "指标.xlsx", "mimeType": "application/octet-stream", "buffer": _bad_sheet()}
    )
    page.get_by_test_id("tpl-import-save").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("import-problems")).to_contain_text("第4行：分值须为数字")
    browser_session.screenshot("assess-tpl-import-refused")
    page.get_by_role("link", name="取消").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("tpl-total")).to_contain_text("合计100分")

    branch = Template.objects.get(name=BRANCH_SHEET)
    assert not Indicator.objects.filter(template=branch, title="网评文章质量").exists()
    make_period(aw, branch)
    page.reload()
    expect(page.get_by_test_id("tpl-used")).to_be_visible()
    expect(page.get_by_test_id("add-category")).to_have_count(0)
    browser_session.screenshot("assess-tpl-detail-used")


def _bad_sheet() -> bytes:
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["评分细则"])
    sheet.append(["目标", "项目", "内容", "评分说明", "分值"])
    sheet.append(["支部建设", "组织生活", "三会一课", "每缺一次扣1分", 5])
    sheet.append([None, None, "支委会", "无记录扣2分", "两分"])
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def _pk(title: str) -> int:
    from dangjian.assessment.models import Indicator

    return Indicator.objects.get(title=title).pk

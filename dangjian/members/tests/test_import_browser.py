"""A branch secretary imports a roster in a real browser, at desktop and phone widths:
upload → preview of the 12 bad rows → confirm → result (tasks run at once under test)."""

import pytest

from dangjian.members.importing.samples import roster_bytes


@pytest.mark.browser
def test_a_secretary_uploads_previews_and_confirms_a_roster(
    browser_session, live_world, settings, tmp_path
):
    from playwright.sync_api import expect

    from dangjian.members.tests.test_import_preview import spoiled_roster

    settings.MEDIA_ROOT = str(tmp_path / "media")
    world = live_world
    rows, _ = spoiled_roster(world, branches=[world.branch1])
    browser_session.sign_in(world.bob)
    page = browser_session.page
    page.set_default_timeout(60_000)

    browser_session.goto("/members/imports/new/")
    expect(page.get_by_role("heading", name="上传党员名册")).to_be_visible()
    browser_session.screenshot("import-new")
    page.set_input_files(
        "input[type=file]",
        {
            "name": "综采一队党员名册.xlsx",
            "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "buffer": roster_bytes(rows),
        },
    )
    page.get_by_role("button", name="上传并检查").click()
    page.wait_for_url("**/members/imports/*-*/")
    expect(page.get_by_test_id("count-total")).to_have_text("300")
    expect(page.get_by_test_id("count-rejected")).to_have_text("12")
    expect(page.get_by_test_id("preview-note")).to_contain_text("还没有写入任何数据")
    expect(page.locator("[data-testid=problem-table] tbody tr")).to_have_count(12)
    expect(page.get_by_test_id("problem-table")).to_contain_text("请先办理组织关系转接")
    browser_session.screenshot("import-preview")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("confirm-import").click()
    expect(page.get_by_test_id("imported-note")).to_contain_text("新增 288 人")
    expect(page.get_by_test_id("undo-import")).to_be_visible()
    browser_session.screenshot("import-result")

    browser_session.goto("/members/imports/")
    expect(page.get_by_test_id("import-table")).to_contain_text("综采一队党员名册.xlsx")
    expect(page.get_by_test_id("import-status").first).to_have_text("已导入")
    browser_session.screenshot("import-list")

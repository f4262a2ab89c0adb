"""Creating a member through the record form in a real browser, at desktop and phone widths."""

from datetime import date

import pytest

from dangjian.core.idnumbers import make_id_number
from dangjian.members.models import Person

ID_NUMBER = make_id_number("410402", date(1988, 9, 12), 25)  # odd: male


@pytest.mark.browser
def test_a_clerk_creates_a_member_through_the_form(browser_session, live_world, settings, tmp_path):
    from playwright.sync_api import expect

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    browser_session.sign_in(live_world.bob)
    page = browser_session.page
    browser_session.goto("/members/new/")
    expect(page.locator("h1")).to_contain_text("新增党员")
    for title in ("基本信息", "学历与职称", "工作信息", "联系方式", "党籍信息", "流动与失联"):
        expect(page.locator("section .card-header", has_text=title)).to_be_visible()
    expect(page.locator("#id_floating_since")).to_be_hidden()  # shown with the box only
    browser_session.screenshot("members-record-new")

    # A first attempt with a mistyped ID number: every problem at once, nothing saved.
    page.fill("#id_name", "王小明")
    page.fill("#id_id_number", ID_NUMBER[:17] + ("1" if ID_NUMBER[17] != "1" else "2"))
    page.select_option("#id_organization", str(live_world.branch1.pk))
    group_option = page.locator(f"#id_party_group option[value='{live_world.group1.pk}']")
    expect(group_option).to_have_count(1)  # fetched for the chosen branch
    page.select_option("#id_party_group", str(live_world.group1.pk))
    page.select_option("#id_category", "full")
    page.fill("#id_joined_on", "2012-06-30")
    page.locator("form[data-record-form] button[type=submit]:visible").click()
    expect(page.locator("[data-testid=form-error]")).to_be_visible()
    expect(page.get_by_text(f"最后一位应为 {ID_NUMBER[17]}")).to_be_visible()
    expect(page.get_by_text("正式党员须填写转正日期")).to_be_visible()
    browser_session.screenshot("members-record-errors")
    assert not Person.objects.filter(name="王小明").exists()

    page.fill("#id_id_number", ID_NUMBER)
    page.fill("#id_full_member_on", "2013-07-01")
    page.fill("#id_mobile", "13812345678")
    page.check("#id_is_floating")
    expect(page.locator("#id_floating_since")).to_be_visible()
    page.fill("#id_floating_since", "2024-03-01")
    page.fill("#id_floating_destination", "江苏省苏州市")
    page.locator("form[data-record-form] button[type=submit]:visible").click()
    page.wait_for_url("**/members/*/")
    expect(page.get_by_text("已新建党员“王小明”的档案。")).to_be_visible()
    person = Person.objects.get(name="王小明")
    assert person.gender == "male" and person.birth_date == date(1988, 9, 12)
    assert person.membership.party_group_id == live_world.group1.pk
    assert person.membership.is_floating

    browser_session.goto(f"/members/{person.membership.pk}/edit/")
    expect(page.locator("#id_id_number")).to_have_value("")
    assert ID_NUMBER not in page.content() and "13812345678" not in page.content()
    expect(page.get_by_text(ID_NUMBER[:6] + "********" + ID_NUMBER[-4:])).to_be_visible()
    browser_session.screenshot("members-record-edit")

    browser_session.goto(f"/members/{person.membership.pk}/rewards/new/")
    expect(page.locator("#id_discipline")).to_be_hidden()  # a reward has no discipline
    page.check("input[name=kind][value=punishment]")
    expect(page.locator("#id_ends_on")).to_be_hidden()
    page.select_option("#id_discipline", "probation")
    expect(page.locator("#id_ends_on")).to_be_visible()
    browser_session.screenshot("members-reward-form")
    browser_session.goto(f"/members/{person.membership.pk}/documents/new/")
    expect(page.locator("#id_kind")).to_be_visible()
    browser_session.screenshot("members-document-upload")

"""The 数据质量 page in a real browser, at desktop and phone widths."""

from datetime import date

import pytest

from dangjian.members.models import Category, Gender, Person, Status
from dangjian.members.tests.factories import make_member
from dangjian.orgs.counts import organization_refresh_counts
from dangjian.orgs.models import Organization, OrgType

PHOTO = "members/photos/ok.jpg"


def populate(world):
    """A mine with a few branches and the usual mistakes of an imported roster."""
    mine = world.mine
    branches = [world.branch1, world.branch2]
    for name in ("机电科党支部", "通风队党支部", "后勤服务中心党支部"):
        mine.refresh_from_db()
        branches.append(
            Organization.objects.add_child(
                mine, {"org_type": OrgType.BRANCH, "name": name, "code": f"Q-{name}"}
            )
        )
    names = ("王建国", "李秀英", "张伟", "刘洋", "陈静", "杨磊", "赵敏")
    names += ("黄强", "周杰", "吴芳", "徐涛", "孙丽", "马超", "朱琳")
    for index, name in enumerate(names):
        branch = branches[index % len(branches)]
        fields = {"photo": PHOTO if index % 4 else ""}
        if index == 3:
            fields["mobile"] = ""
        if index == 5:
            fields.update(category=Category.PROBATIONARY, joined_on=date(2024, 3, 1))
        member = make_member(branch, name, **fields)
        if index == 7:
            Person.objects.filter(pk=member.person_id).update(gender=Gender.FEMALE)
    make_member(world.branch1, "郑晓", status=Status.TRANSFERRED_OUT, party_group=world.group1)
    organization_refresh_counts()


@pytest.mark.browser
def test_the_clerk_sees_scores_opens_a_check_and_runs_it_again(browser_session, live_world):
    from playwright.sync_api import expect

    from dangjian.members.services.quality import quality_run

    populate(live_world)
    quality_run()
    browser_session.sign_in(live_world.alice)
    page = browser_session.page
    browser_session.goto("/members/quality/")
    expect(page.locator("[data-testid=quality-refreshed]")).to_contain_text("检查结果更新于")
    expect(page.locator("[data-testid=quality-card-missing_photo]")).to_contain_text("4")
    expect(page.locator("[data-testid=quality-scores]")).to_contain_text("机电科党支部")
    expect(page.locator("[data-testid=quality-scores]")).not_to_contain_text("通风区党支部")
    browser_session.screenshot("members-quality")

    page.locator("[data-testid=quality-card-missing_photo] a").click()
    page.wait_for_url("**/members/quality/missing_photo/")
    desktop = browser_session.viewport["width"] >= 768
    rows = page.locator(
        "[data-testid=findings-table] tbody tr" if desktop else "[data-testid=findings-list] li"
    )
    expect(rows).to_have_count(4)
    expect(rows.first).to_contain_text("未上传照片")
    browser_session.screenshot("members-quality-findings")

    browser_session.goto("/members/quality/")
    page.locator("[data-testid=quality-run]").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("已开始重新检查")).to_be_visible()
    expect(page.locator("[data-testid=quality-card-missing_photo]")).to_contain_text("4")


@pytest.mark.browser
def test_a_running_check_shows_its_progress_and_blocks_a_second_one(browser_session, live_world):
    from playwright.sync_api import expect

    from dangjian.core.jobs import job_create, job_start
    from dangjian.members.services.quality import JOB_KIND

    populate(live_world)
    job = job_create(
        owner=live_world.alice,
        kind=JOB_KIND,
        title="数据质量检查",
        params={"paths": [live_world.mine.path]},
    )
    job_start(job.pk, total=13, message="已完成：缺少照片")
    from dangjian.core.jobs import job_advance

    job_advance(job.pk, 6)
    browser_session.sign_in(live_world.alice)
    page = browser_session.page
    browser_session.goto("/members/quality/")
    progress = page.locator("[data-testid=quality-progress]")
    expect(progress).to_contain_text("6 / 13")
    expect(page.locator("[data-testid=quality-run]")).to_be_disabled()
    expect(page.locator("[data-testid=quality-refreshed]")).to_contain_text("尚未检查过")
    expect(page.locator("[data-testid=quality-never]")).to_contain_text("本次检查完成后")
    browser_session.screenshot("members-quality-running")

"""The portal as a visitor and as a member meet it, at 1280 and 390 px: the group's front page
with the picture carousel, a column, an article, and the member's way into their mine's site
with 我的待办. Screenshots: site-home-anon, site-column, site-article, site-home-member."""

import pytest

from dangjian.core.testing.browser import PHONE

SCREENSHOTS = ("site-home-anon", "site-column", "site-article", "site-home-member")
BODY = (
    "<p>11月20日，一矿党委召开理论学习中心组学习会，传达学习全会精神，研究部署贯彻落实举措。</p>"
    "<p>会议要求，各党支部要把学习宣传贯彻全会精神作为当前和今后一个时期的首要政治任务。</p>"
    "<table><tbody><tr><td>支部</td><td>参学人数</td></tr><tr><td>综采一队党支部</td><td>42</td>"
    "</tr><tr><td>掘进二队党支部</td><td>37</td></tr></tbody></table>"
)


def _console_problems(session) -> list[str]:
    problems: list[str] = []

    def console(message):
        if "Content Security Policy" in message.text or message.type == "error":
            problems.append(message.text)

    session.page.on("console", console)
    session.page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def _build():
    from dangjian.core.testing.world import grant, make_user
    from dangjian.portal.models import Visibility
    from dangjian.portal.services.media import upload_media
    from dangjian.portal.testing import build_portal_world, make_article
    from dangjian.portal.tests.media_files import image_bytes, upload

    portal = build_portal_world()
    group_writer = make_user("gina", "葛娜")
    grant(group_writer, "propaganda_officer", portal.group)
    colors = [(181, 18, 27), (200, 120, 30), (40, 90, 160)]
    for site in (portal.group_site, portal.mine_site):
        for number, color in enumerate(colors, start=1):
            cover = upload_media(
                actor=portal.alice if site == portal.mine_site else group_writer,
                site=site,
                file=upload(f"图{number}.jpg", image_bytes((1600, 900), color=color)),
                alt=f"图片新闻{number}",
            )
            make_article(site, "photos", f"{site.name}图片新闻第{number}条：矿区新貌",
                         visibility=Visibility.PUBLIC, cover=cover)  # fmt: skip
    for number in range(1, 9):
        make_article(portal.group_site, "notices", f"关于开展第{number}批主题教育的通知",
                     visibility=Visibility.PUBLIC)  # fmt: skip
        make_article(portal.group_site, "news", f"集团党委召开第{number}次党建工作推进会",
                     visibility=Visibility.PUBLIC)  # fmt: skip
        make_article(portal.mine_site, "news", f"一矿新闻：综采一队安全生产第{number}周",
                     visibility=Visibility.PUBLIC)  # fmt: skip
    article = make_article(portal.mine_site, "news", "一矿党委理论学习中心组专题学习全会精神",
                           BODY, visibility=Visibility.PUBLIC, source="一矿党委宣传部",
                           subtitle="以高质量党建引领安全高效矿井建设")  # fmt: skip
    return portal, article


@pytest.mark.browser
def test_a_visitor_and_a_member_find_their_way_around_the_portal(
    browser_session, transactional_db, chromium, live_server
):
    from playwright.sync_api import expect

    portal, article = _build()
    session = browser_session
    page = session.page
    problems = _console_problems(session)
    phone = session.viewport["width"] == PHONE["width"]

    def no_sideways_scroll():
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= session.viewport["width"], f"{page.url} scrolls sideways ({width}px)"

    # A visitor: the group's front page, its carousel of pictures, a 登录 button, no 待办.
    session.goto("/")
    expect(page.locator(".dj-site-name")).to_have_text(portal.group_site.name)
    expect(page.locator(".carousel-item.active img")).to_be_visible()
    assert page.evaluate("document.querySelector('.carousel-item.active img').naturalWidth") > 0
    expect(page.get_by_test_id("site-login")).to_be_visible()
    expect(page.get_by_test_id("todo-block")).to_have_count(0)
    expect(page.get_by_test_id("todo-login")).to_be_visible()
    expect(page.get_by_text("关于开展第8批主题教育的通知")).to_be_visible()
    no_sideways_scroll()
    session.screenshot("site-home-anon")

    # The 一矿 site's news column, then an article with its table.
    session.goto("/s/g-m1/")
    if phone:
        page.locator(".dj-site-nav-link", has_text="舆论宣传").click()
        page.locator(".dj-subcolumns a", has_text="新闻动态").click()
    else:
        page.locator(".dj-site-nav-item", has_text="舆论宣传").locator(".dj-site-nav-caret").click()
        page.locator(".dropdown-menu a", has_text="新闻动态").click()
    expect(page.locator(".dj-block-header h1")).to_have_text("新闻动态")
    no_sideways_scroll()
    session.screenshot("site-column")
    page.get_by_role("link", name=article.title).click()
    expect(page.locator(".dj-article-head h1")).to_have_text(article.title)
    expect(page.locator(".dj-article-body table td", has_text="综采一队党支部")).to_be_visible()
    expect(page.get_by_test_id("view-count")).to_contain_text("1 次")
    no_sideways_scroll()
    session.screenshot("site-article")

    # mia (a member of a branch of the mine) is offered her mine's site and finds her todo there.
    session.sign_in(portal.mia)
    session.goto("/")
    page.get_by_test_id("switch-site").click()
    expect(page.locator(".dj-site-name")).to_have_text(portal.mine_site.name)
    expect(page.get_by_test_id("todo-block")).to_be_visible()
    expect(page.get_by_test_id("nav-workbench")).to_have_count(1)
    no_sideways_scroll()
    session.screenshot("site-home-member")
    assert not problems, problems

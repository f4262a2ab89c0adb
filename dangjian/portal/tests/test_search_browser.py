"""站内搜索 in the browser at 1280 and 390 px: a visitor types a two-character word, sees the
ranked and highlighted hits, narrows them to a site (the column list follows the site), and a
member of the mine then finds the item limited to the mine.
Screenshots: search-anon, search-results."""

import shutil
from pathlib import Path

import pytest

SHOTS = Path("/work/brief/shots/search")


def _build():
    from dangjian.portal.models import Visibility
    from dangjian.portal.testing import build_portal_world, make_article
    from dangjian.search.indexing import index_articles

    portal = build_portal_world()
    body = (
        "<p>近日，{site}各党支部围绕“三会一课”制度落实情况开展自查，"
        "对照支部标准化规范化建设要求，逐条梳理问题清单，明确整改时限和责任人。</p>"
    )
    articles = []
    for number in range(1, 6):
        articles.append(
            make_article(
                portal.mine_site,
                "news",
                f"一矿第{number}季度党建工作综述",
                body.format(site="一矿"),
                visibility=Visibility.PUBLIC,
            )
        )
        articles.append(
            make_article(
                portal.mine2_site,
                "news",
                f"二矿基层党组织建设简报（第{number}期）",
                body.format(site="二矿"),
                visibility=Visibility.PUBLIC,
            )
        )
    articles.append(
        make_article(
            portal.mine_site,
            "disclosure",
            "一矿党委关于支部换届选举结果的公示",
            "<p>经各支部党员大会选举，产生新一届支部委员会。</p>",
            visibility=Visibility.ORGANIZATIONS,
            audience=[portal.mine],
        )
    )
    index_articles([article.pk for article in articles])
    return portal


def shot(path: Path) -> None:
    """Keep a copy of the screenshot for the review of the pages (outside CI)."""
    if SHOTS.parent.is_dir():
        SHOTS.mkdir(exist_ok=True)
        shutil.copy(path, SHOTS / path.name)


@pytest.mark.browser
def test_a_visitor_and_a_member_search_the_portal(
    browser_session, transactional_db, chromium, live_server
):
    from playwright.sync_api import expect

    portal = _build()
    session = browser_session
    page = session.page
    problems = []
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("pageerror", lambda error: problems.append(str(error)))

    session.goto("/search/")
    page.fill("input[name=q]", "支部")
    page.click("[data-testid=search-submit]")
    expect(page.locator("[data-testid=search-count]")).to_contain_text("找到 10 条")
    expect(page.locator(".dj-search-hit mark").first).to_have_text("支部")
    assert "换届" not in page.content()  # limited to the mine: not for a visitor

    # Choosing a site reloads the page (search.js) with that site's columns.
    page.select_option("select[name=site]", "g-m2")
    page.wait_for_url("**site=g-m2**")
    expect(page.locator("[data-testid=search-count]")).to_contain_text("找到 5 条")
    expect(page.locator("select[name=column] option", has_text="新闻动态")).to_have_count(1)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= session.viewport["width"], f"the page scrolls sideways ({width}px)"
    shot(session.screenshot("search-anon"))

    session.sign_in(portal.mia)
    session.goto("/search/?q=换届")
    expect(page.locator(".dj-search-hit")).to_have_count(1)
    expect(page.locator(".dj-search-title")).to_contain_text("支部换届选举结果的公示")
    session.goto("/search/?q=党建&site=g-m1")
    expect(page.locator("[data-testid=search-count]")).to_contain_text("找到 5 条")
    shot(session.screenshot("search-results"))
    session.goto("/search/?q=党")
    expect(page.locator("[data-testid=search-message]")).to_contain_text("搜索词太短")
    assert not problems, problems

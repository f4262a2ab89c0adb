import pytest

from dangjian.portal.models import Visibility
from dangjian.portal.testing import make_article
from dangjian.portal.visibility import articles_readable_by


@pytest.mark.django_db
def test_smoke(portal):
    a = make_article(
        portal.mine_site,
        "news",
        "一矿新闻",
        visibility=Visibility.ORGANIZATIONS,
        audience=[portal.mine],
    )
    b = make_article(portal.mine_site, "news", "公开", visibility=Visibility.PUBLIC)
    assert set(articles_readable_by(portal.mia)) == {a, b}
    assert set(articles_readable_by(portal.nick)) == {b}
    assert set(articles_readable_by(portal.alice)) == {a, b}
    assert set(articles_readable_by(portal.dave)) == {b}
    assert portal.mine_site.columns.get(
        slug="notices"
    ).inherit_from == portal.group_site.columns.get(slug="notices")

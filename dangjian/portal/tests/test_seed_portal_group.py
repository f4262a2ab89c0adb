"""The group scale of the portal seed (the bench's data): a site for the group, every 二级党委
and every mine, articles in proportion to the group's size (50 000 at 150 000 members), short
Chinese bodies, all of them in the search index."""

from datetime import date

import pytest
from django.db.models import Count

from dangjian.core.seed import seed_database
from dangjian.core.seed.plan import GroupShape
from dangjian.portal.models import Article, MediaAsset, Site
from dangjian.portal.visibility import live

pytestmark = pytest.mark.django_db


def test_a_site_per_publishing_committee_and_articles_in_proportion():
    shape = GroupShape(secondaries=1, mines_per_secondary=2, members=600, members_per_branch=30)
    seed_database(scale="group", seed=1, today=date(2026, 6, 15), shape=shape)
    assert list(Site.objects.order_by("code").values_list("code", flat=True)) == [
        "sy", "sy-e1", "sy-k01", "sy-k02",
    ]  # fmt: skip
    assert Article.objects.count() == 200  # 50 000 × 600 / 150 000
    per_site = dict(Article.objects.values_list("site__code").annotate(n=Count("pk")))
    assert per_site["sy"] == 2 * min(per_site[code] for code in ("sy-e1", "sy-k01", "sy-k02"))
    assert not Article.objects.exclude(status=Article.Status.PUBLISHED).exists()
    assert set(Article.objects.values_list("column__slug", flat=True)) >= {
        "notices", "news", "disclosure", "policies",
    }  # fmt: skip
    assert not Article.objects.filter(body_text="").exists()
    assert MediaAsset.objects.count() == 12
    from dangjian.search.models import SearchDocument

    current = Article.objects.filter(live()).count()  # a taken-down notice is not indexed
    assert 190 < current < 200
    assert SearchDocument.objects.filter(kind="article").count() == current

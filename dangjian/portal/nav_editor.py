"""Menu entries of the article editor (信息交流 → 写文章, 我的稿件)."""

from dangjian.core.navigation import Entry, add
from dangjian.portal.permissions import WRITE_ARTICLE

add(Entry("exchange", "写文章", "portal:article_new", WRITE_ARTICLE, order=20))
add(Entry("exchange", "我的稿件", "portal:my_articles", WRITE_ARTICLE, order=21))

"""Menu entry: 稿件审核 (信息交流), for holders of the review or approval permission. The menu
is built on every page without queries, so the number waiting is shown on the queue page and
in the home page's "my todo" block, not as a badge here."""

from dangjian.core.navigation import Entry, add
from dangjian.portal.permissions import APPROVE_ARTICLE, REVIEW_ARTICLE

add(
    Entry(
        "exchange",
        "稿件审核",
        "portal:review_queue",
        any_of=(REVIEW_ARTICLE, APPROVE_ARTICLE),
        order=25,
    )
)

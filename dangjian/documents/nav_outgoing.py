"""Menu entry of the outgoing part of 公文: 发文管理 (网上办公), for whoever drafts, reviews,
signs or issues documents somewhere."""

from dangjian.core.navigation import Entry, add
from dangjian.documents.permissions import (
    DRAFT_DOCUMENT,
    ISSUE_DOCUMENT,
    REVIEW_DOCUMENT,
    SIGN_DOCUMENT,
)

add(
    Entry(
        "office",
        "发文管理",
        "documents:outgoing",
        any_of=(DRAFT_DOCUMENT, REVIEW_DOCUMENT, SIGN_DOCUMENT, ISSUE_DOCUMENT),
        order=10,
    )
)

"""Permissions of 公文 (documents), each held over an organisation subtree (domain §8.1–8.3).

发文 runs 拟稿 → 核稿 → 签发 → 发文 (编号、分发); the four steps are four permissions so the
office clerk, the office head and the committee's leader can be different people. The receiving
side is one permission: whoever may sign for an organisation also registers, routes, assigns and
replies for it (the 办公室 of the receiving organisation)."""

from dangjian.core.permissions import register

VIEW_DOCUMENT = register("documents.view_document", "查看本组织的发文与收文登记簿")
DRAFT_DOCUMENT = register("documents.draft_document", "拟稿（起草发文）")
REVIEW_DOCUMENT = register("documents.review_document", "核稿（审核发文稿）")
SIGN_DOCUMENT = register("documents.sign_document", "签发公文")
ISSUE_DOCUMENT = register(
    "documents.issue_document", "发文登记与分发（编号、撤回、更正、催办、机关代字）"
)
SIGN_RECEIPT = register(
    "documents.sign_receipt", "收文签收、登记、传阅、承办、回复和退回（含登记纸质来文）"
)
EXPORT_DOCUMENT = register("documents.export_document", "导出收发文登记簿与时效统计")

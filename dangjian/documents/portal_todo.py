"""公文 on "my todo": documents waiting for the user's signature (待签收公文), documents
circulated to the user not yet read (待阅公文), and the sending side's drafts waiting for the
user's 核稿, 签发 or 发文. One query each; urgent when any is 特急/加急."""

from django.urls import reverse

from dangjian.documents import selectors_receiving as selectors
from dangjian.documents.selectors_outgoing import workflow_waiting
from dangjian.portal.todo import TodoItem, register


@register
def documents_todo(user, request) -> list[TodoItem]:
    # Not only signers: a copy addressed to a person is signed by that person.
    waiting = selectors.to_sign_summary(user)
    unread = selectors.unread_summary(user)
    return [
        TodoItem(
            "待签收公文",
            reverse("documents:inbox"),
            waiting["count"],
            "envelope-paper",
            "documents.sign",
            urgent=bool(waiting["urgent"]),
        ),
        TodoItem(
            "待阅公文",
            reverse("documents:reading"),
            unread["count"],
            "journal-text",
            "documents.read",
            urgent=bool(unread["urgent"]),
        ),
        *(
            TodoItem(
                row["label"],
                reverse("documents:outgoing") + f"?tab={row['tab']}",
                row["count"],
                "send",
                "documents.outgoing",
                urgent=row["urgent"],
            )
            for row in workflow_waiting(user)
        ),
    ]

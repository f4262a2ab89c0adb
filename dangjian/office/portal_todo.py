"""工作任务 on "my todo": assignments waiting for this user's report (待报送, including those
returned) and reports waiting for this user's review (待审核报送, summed from the tasks'
counters). Two queries at most."""

from django.urls import reverse

from dangjian.office import selectors
from dangjian.portal.todo import TodoItem, register


@register
def office_todo(user, request) -> list[TodoItem]:
    items = []
    if selectors.can_handle(user):
        items.append(
            TodoItem(
                "待报送工作任务",
                reverse("office:assignments"),
                selectors.to_report_count(user),
                "list-task",
                "office.report",
                urgent=True,
            )
        )
    if selectors.can_assign(user):
        items.append(
            TodoItem(
                "待审核报送",
                reverse("office:tasks"),
                selectors.to_review_count(user),
                "clipboard-check",
                "office.review",
            )
        )
    return items

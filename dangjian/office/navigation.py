"""Menu entry of 工作任务 (网上办公): the assigners land on their tasks, the assignees on
their assignments (the page redirects). The numbers waiting are on the home page's todo."""

from dangjian.core.navigation import Entry, add
from dangjian.office.permissions import ASSIGN_TASK, HANDLE_TASK

add(Entry("office", "工作任务", "office:tasks", any_of=(ASSIGN_TASK, HANDLE_TASK), order=15))

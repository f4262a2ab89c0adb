"""Permissions of 工作任务, each held over an organisation subtree."""

from dangjian.core.permissions import register

ASSIGN_TASK = register("office.assign_task", "下达工作任务、审核报送、催报")
HANDLE_TASK = register("office.handle_task", "办理并报送本组织的工作任务")

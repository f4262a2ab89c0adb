"""Menu entries of 工作任务."""

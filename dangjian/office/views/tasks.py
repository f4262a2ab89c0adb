"""Pages of 工作任务. Declares its own routes."""

urlpatterns: list = []

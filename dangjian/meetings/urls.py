"""`/meetings/`: each view module declares the routes of its pages (`urlpatterns`)."""

app_name = "meetings"

urlpatterns: list = []

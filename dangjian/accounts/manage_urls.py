"""Administration pages for users, roles, grants and security policy (under /manage/)."""

app_name = "manage"

urlpatterns: list = []

"""Administration pages for users, roles, grants, security policy and the holiday calendar
(under /manage/)."""

from django.urls import path

from dangjian.accounts.views import manage as views
from dangjian.core import views as core_views

app_name = "manage"

urlpatterns = [
    path("users/", views.user_list, name="users"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("users/<int:pk>/edit/", views.user_edit, name="user_edit"),
    path("users/<int:pk>/deactivate/", views.user_deactivate, name="user_deactivate"),
    path("users/<int:pk>/activate/", views.user_activate, name="user_activate"),
    path("users/<int:pk>/reset-password/", views.user_reset_password, name="user_reset_password"),
    path("users/<int:pk>/unlock/", views.user_unlock, name="user_unlock"),
    path("roles/", views.role_list, name="roles"),
    path("roles/new/", views.role_create, name="role_create"),
    path("roles/<int:pk>/", views.role_detail, name="role_detail"),
    path("roles/<int:pk>/edit/", views.role_edit, name="role_edit"),
    path("roles/<int:pk>/delete/", views.role_delete, name="role_delete"),
    path("grants/", views.grant_list, name="grants"),
    path("grants/new/", views.grant_create, name="grant_create"),
    path("grants/user-options/", views.grant_user_options, name="grant_user_options"),
    path("grants/org-options/", views.grant_org_options, name="grant_org_options"),
    path("grants/<int:pk>/revoke/", views.grant_revoke, name="grant_revoke"),
    path("security-policy/", views.security_policy, name="security_policy"),
    path("security-policy/<str:key>/", views.security_rule, name="security_rule"),
    path("calendar/", core_views.calendar, name="calendar"),
    path("calendar/save/", core_views.calendar_save, name="calendar_save"),
    path("calendar/import/", core_views.calendar_import_view, name="calendar_import"),
    path("calendar/<str:day>/delete/", core_views.calendar_delete, name="calendar_delete"),
]

from django.urls import path

from dangjian.accounts.views import auth as views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("profile/", views.profile, name="profile"),
    path("scope/", views.my_scope, name="my_scope"),
    path("login-history/", views.login_history, name="login_history"),
    path("large-font/", views.toggle_large_font, name="toggle_large_font"),
]

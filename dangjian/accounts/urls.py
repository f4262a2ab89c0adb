from django.urls import path

from dangjian.accounts.views import auth as views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/verify/", views.login_verify, name="login_verify"),
    path("login/enroll/", views.login_enroll, name="login_enroll"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("profile/", views.profile, name="profile"),
    path("profile/2fa/", views.otp_setup, name="otp_setup"),
    path("profile/2fa/disable/", views.otp_disable, name="otp_disable"),
    path("profile/2fa/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("profile/2fa/recovery-codes/new/", views.recovery_regenerate, name="recovery_regenerate"),
    path("profile/token/", views.token_create, name="token_create"),
    path("profile/token/revoke/", views.token_revoke, name="token_revoke"),
    path("scope/", views.my_scope, name="my_scope"),
    path("login-history/", views.login_history, name="login_history"),
    path("large-font/", views.toggle_large_font, name="toggle_large_font"),
]

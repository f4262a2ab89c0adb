"""Temporary minimal views; the accounts work replaces them with the full login flow."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

login_view = auth_views.LoginView.as_view(template_name="accounts/login.html")
logout_view = auth_views.LogoutView.as_view()


@login_required
def profile(request):
    return render(request, "accounts/profile.html")


@login_required
def my_scope(request):
    return render(request, "accounts/profile.html")


@login_required
def login_history(request):
    return render(request, "accounts/profile.html")


@login_required
@require_POST
def toggle_large_font(request):
    request.user.large_font = not request.user.large_font
    request.user.save(update_fields=["large_font"])
    return redirect("dashboard:home")

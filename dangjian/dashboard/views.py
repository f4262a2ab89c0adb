from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from dangjian.dashboard.selectors import workbench


@login_required
def home(request):
    return render(request, "dashboard/home.html", workbench(request.user))

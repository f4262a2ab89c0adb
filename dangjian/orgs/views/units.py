"""Administrative units (区队、科室): list, create, edit — scoped by the owning organisation."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from dangjian.core.paging import paginate
from dangjian.core.scope import get_visible_or_404
from dangjian.orgs import selectors as select
from dangjian.orgs import services
from dangjian.orgs.forms import UnitCreateForm, UnitUpdateForm
from dangjian.orgs.models import Unit
from dangjian.orgs.permissions import MANAGE_UNIT
from dangjian.orgs.views.common import require_somewhere, submit

FORM = "orgs/unit_form.html"


@login_required
@require_GET
def unit_list(request):
    require_somewhere(request.user, MANAGE_UNIT)
    query = request.GET.get("q", "").strip()
    context = paginate(request, select.units_visible_to(request.user, query))
    context["query"] = query
    return render(request, "orgs/units.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def unit_create(request):
    require_somewhere(request.user, MANAGE_UNIT)
    form = UnitCreateForm(request.POST or None, actor=request.user)
    done = submit(
        request,
        form,
        lambda data: services.unit_create(actor=request.user, **data),
        success=lambda unit: f"已新增行政单位“{unit}”。",
        next_url=reverse("orgs:units"),
    )
    return done or render(request, FORM, {"form": form, "title": "新增行政单位"})


@login_required
@require_http_methods(["GET", "POST"])
def unit_edit(request, pk):
    unit = get_visible_or_404(
        Unit.objects.select_related("owner"), request.user, MANAGE_UNIT, pk=pk
    )
    initial = {field: getattr(unit, field) for field in UnitUpdateForm.base_fields}
    form = UnitUpdateForm(request.POST or None, initial=initial)
    done = submit(
        request,
        form,
        lambda data: services.unit_update(actor=request.user, unit=unit, **data),
        success="已保存。",
        next_url=reverse("orgs:units"),
    )
    return done or render(request, FORM, {"form": form, "unit": unit, "title": "编辑行政单位"})

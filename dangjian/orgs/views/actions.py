"""Forms that change the tree: create, edit, move, merge, dissolve, units covered."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from dangjian.core.scope import get_visible_or_404
from dangjian.orgs import selectors as select
from dangjian.orgs import services
from dangjian.orgs.forms import (
    OPTION_LIMIT,
    DissolveForm,
    MergeForm,
    MoveForm,
    OrganizationForm,
    UnitsForm,
)
from dangjian.orgs.models import BRANCH_TYPES, Organization, OrgType
from dangjian.orgs.permissions import MANAGE_ORGANIZATION
from dangjian.orgs.views.common import holds_on_a_root, submit

FORM = "orgs/form.html"


def _managed(request, pk) -> Organization:
    org = get_visible_or_404(Organization, request.user, MANAGE_ORGANIZATION, pk=pk)
    if not org.is_active:
        raise Http404
    return org


def _page(request, form, org, title: str, **extra):
    return render(request, FORM, {"form": form, "org": org, "title": title, **extra})


@login_required
@require_http_methods(["GET", "POST"])
def create_child(request, pk):
    parent = _managed(request, pk)
    form = OrganizationForm(request.POST or None, parent=parent)
    done = submit(
        request,
        form,
        lambda data: services.organization_create(actor=request.user, parent=parent, **data),
        success=lambda org: f"已新建“{org}”。",
        next_url=Organization.get_absolute_url,
    )
    return done or _page(request, form, parent, "新建下级党组织", submit_label="新建")


@login_required
@require_http_methods(["GET", "POST"])
def create_root(request):
    if not holds_on_a_root(request.user, MANAGE_ORGANIZATION):
        raise Http404
    form = OrganizationForm(request.POST or None, parent=None)
    done = submit(
        request,
        form,
        lambda data: services.organization_create(actor=request.user, parent=None, **data),
        success=lambda org: f"已新建顶级党组织“{org}”。",
        next_url=Organization.get_absolute_url,
    )
    return done or _page(request, form, None, "新建顶级党组织", submit_label="新建")


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, pk):
    org = _managed(request, pk)
    initial = {field: getattr(org, field) for field in OrganizationForm.base_fields}
    form = OrganizationForm(
        request.POST or None,
        initial=initial,
        parent=Organization.objects.get_parent(org),
        organization=org,
    )
    done = submit(
        request,
        form,
        lambda data: services.organization_update(actor=request.user, organization=org, **data),
        success="已保存。",
        next_url=Organization.get_absolute_url,
    )
    return done or _page(request, form, org, "编辑党组织", submit_label="保存")


@login_required
@require_http_methods(["GET", "POST"])
def move(request, pk):
    org = _managed(request, pk)
    form = MoveForm(request.POST or None, actor=request.user, organization=org)
    done = submit(
        request,
        form,
        lambda data: services.organization_move(
            actor=request.user, organization=org, new_parent=data["new_parent"]
        ),
        success=lambda moved: f"已将“{moved}”调整至“{Organization.objects.get_parent(moved)}”。",
        next_url=Organization.get_absolute_url,
    )
    options_url = "orgs:move_options"
    return done or _page(
        request,
        form,
        org,
        "调整隶属关系",
        submit_label="调整",
        picker="new_parent",
        options_url=options_url,
        intro=_move_intro(org),
    )


def _move_intro(org: Organization) -> str:
    if org.org_type == OrgType.GROUP:
        return "党小组调整到另一个党支部后，编入本党小组的党员随之转入该支部（组织关系随之变更）。"
    return "本组织连同全部下级组织一起调整；调整后，各级的权限范围随新的隶属关系自动生效。"


@login_required
@require_http_methods(["GET", "POST"])
def merge(request, pk):
    org = _managed(request, pk)
    if org.org_type not in BRANCH_TYPES:
        raise Http404
    form = MergeForm(request.POST or None, actor=request.user, organization=org)
    done = submit(
        request,
        form,
        lambda data: services.organization_merge(
            actor=request.user, source=org, target=data["target"]
        ),
        success=lambda target: f"“{org}”已并入“{target}”。",
        next_url=Organization.get_absolute_url,
    )
    return done or _page(
        request,
        form,
        org,
        "合并党支部",
        submit_label="合并",
        danger=True,
        picker="target",
        options_url="orgs:merge_options",
        intro="合并后，本支部党籍在册的党员、全部党小组和覆盖的行政单位转入所选支部，"
        "党员所在的党小组不变；本支部撤销，现任班子任期结束。合并记入双方的组织沿革。",
    )


@login_required
@require_GET
def move_options(request, pk):
    org = _managed(request, pk)
    return _options(request, select.move_targets(request.user, org, request.GET.get("q", "")))


@login_required
@require_GET
def merge_options(request, pk):
    org = _managed(request, pk)
    if org.org_type not in BRANCH_TYPES:
        raise Http404
    return _options(request, select.merge_targets(request.user, org, request.GET.get("q", "")))


def _options(request, queryset, empty_label="请选择党组织"):
    options = [(org.pk, f"{org.name}（{org.code}）") for org in queryset[:OPTION_LIMIT]]
    context = {"options": options, "limit": OPTION_LIMIT, "empty_label": empty_label}
    return render(request, "orgs/_options.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def dissolve(request, pk):
    org = _managed(request, pk)
    form = DissolveForm(request.POST or None)
    done = submit(
        request,
        form,
        lambda data: services.organization_dissolve(
            actor=request.user,
            organization=org,
            dissolved_on=data["dissolved_on"],
            reason=data["reason"],
        ),
        success=lambda gone: f"“{gone}”已撤销。",
        next_url=Organization.get_absolute_url,
    )
    intro = (
        "只能撤销没有有效下级组织、没有党员（含停止党籍）的党组织。撤销后现任班子任期结束，"
        "在本组织上授予的角色不再生效。"
    )
    if org.org_type == OrgType.GROUP:
        intro = (
            "撤销后，编入本党小组的党员仍在所属党支部，改为不编入党小组；现任党小组组长任期结束。"
        )
    return done or _page(
        request, form, org, "撤销党组织", submit_label="撤销", danger=True, intro=intro
    )


@login_required
@require_http_methods(["GET", "POST"])
def set_units(request, pk):
    org = _managed(request, pk)
    form = UnitsForm(
        request.POST or None, initial={"units": list(org.units.all())}, organization=org
    )
    done = submit(
        request,
        form,
        lambda data: services.organization_set_units(
            actor=request.user, organization=org, units=data["units"]
        ),
        success="已保存覆盖的行政单位。",
        next_url=org.get_absolute_url(),
    )
    return done or _page(request, form, org, "覆盖的行政单位", submit_label="保存")

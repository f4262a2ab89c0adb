"""Pages of 指标体系 (indicator templates), for holders of MANAGE_TEMPLATE:

    templates           list by year: versions, used/editable badge, 新建, 使用标准模板,
                        复制, 导入, 导出
    template_new        a new empty template
    template_standard   POST: install the standard 党支部 and 党员积分 sheets for a year
    template_detail     the tree in the clerks' layout (目标 | 项目 | 内容 | 评分说明 | 分值)
                        with sums per 类别 and 项目 and the total check, and the actions on
                        each indicator (添加, 编辑, 上移/下移, 删除)
    template_settings   base, caps, clamps, grade bands, veto effect, annual method
    template_copy / template_import / template_export / template_delete
    indicator_new / indicator_edit / indicator_move / indicator_delete

A template outside the caller's scope is a 404 like a missing one; a refused write shows the
service's Chinese message and changes nothing; forms carry a one-time token.
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.assessment import excel
from dangjian.assessment.engine import fmt
from dangjian.assessment.forms_templates import (
    CopyForm,
    ImportForm,
    IndicatorForm,
    SettingsForm,
    StandardForm,
    TemplateForm,
    owner_choices,
)
from dangjian.assessment.models import Indicator, RuleType, Template
from dangjian.assessment.permissions import MANAGE_TEMPLATE
from dangjian.assessment.services import templates as services
from dangjian.assessment.standard_sheets import install_standard_sheets
from dangjian.audit.services import audit_log
from dangjian.core.exceptions import ServiceError
from dangjian.core.paging import paginate
from dangjian.core.scope import scope_of
from dangjian.core.submit_once import SubmitOnce
from dangjian.core.uploads import CONTENT_TYPES, XLSX

ONCE = "assessment"
ZERO = Decimal("0")


def _require_manager(user) -> None:
    if not scope_of(user).has(MANAGE_TEMPLATE):
        raise Http404


def _template_or_404(user, pk) -> Template:
    try:
        return (
            Template.objects.visible_to(user, MANAGE_TEMPLATE)
            .select_related("owner", "copied_from")
            .get(pk=pk)
        )
    except (Template.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def _indicator_or_404(user, pk) -> Indicator:
    try:
        return Indicator.objects.select_related("template__owner", "parent").get(
            pk=pk, template__in=Template.objects.visible_to(user, MANAGE_TEMPLATE).values("pk")
        )
    except (Indicator.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def _detail(template, anchor: int | None = None) -> str:
    url = reverse("assessment:template_detail", args=[template.pk])
    return f"{url}#ind-{anchor}" if anchor else url


def _once(request, purpose: str):
    return SubmitOnce(request, purpose, namespace=ONCE)


def _error(request, exc: ServiceError) -> None:
    for message in exc.messages[:5]:
        messages.error(request, message)


def _frozen_redirect(request, template):
    messages.info(request, services.FROZEN)
    return redirect(_detail(template))


# ------------------------------------------------------------------ list


@login_required
@require_GET
def templates(request):
    user = request.user
    _require_manager(user)
    visible = Template.objects.visible_to(user, MANAGE_TEMPLATE)
    years = list(visible.order_by("-year").values_list("year", flat=True).distinct())
    year = request.GET.get("year", "")
    rows = visible.select_related("owner", "copied_from").annotate(
        leaf_count=Count("indicators", filter=Q(indicators__level=3)),
        points=Sum(
            "indicators__max_points",
            filter=Q(indicators__level=3) & ~Q(indicators__rule_type=RuleType.BONUS),
        ),
        period_count=Count("periods", distinct=True),
    )
    if year.isdigit():
        rows = rows.filter(year=int(year))
    rows = rows.order_by("-year", "name", "-version")
    owners = list(owner_choices(user))
    context = {
        "years": years,
        "year": year,
        "owners": owners,
        "standard_year": int(year) if year.isdigit() else years[0] if years else None,
        "form_token": _once(request, "standard").token,
        **paginate(request, rows),
    }
    return render(request, "assessment/tpl_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def template_new(request):
    _require_manager(request.user)
    once = _once(request, "template_new")
    form = TemplateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        if not once.claim():
            return once.repeated(request, reverse("assessment:templates"))
        data = form.cleaned_data
        try:
            template = services.template_create(
                actor=request.user,
                owner=data["owner"],
                name=data["name"],
                year=data["year"],
                target_kind=data["target_kind"],
                description=data["description"],
                base_points="80" if data["target_kind"] == "member" else "0",
            )
        except ServiceError as exc:
            once.release()
            form.add_error(None, exc.messages[0])
        else:
            url = _detail(template)
            once.done(url)
            messages.success(request, "指标体系已建立。请添加类别、项目和细则，或从Excel导入。")
            return redirect(url)
    return render(request, "assessment/tpl_form.html", {"form": form, "form_token": once.token})


@login_required
@require_POST
def template_standard(request):
    _require_manager(request.user)
    form = StandardForm(request.POST, user=request.user)
    fallback = reverse("assessment:templates")
    if not form.is_valid():
        messages.error(request, "请选择制定单位，并填写四位数的年度。")
        return redirect(fallback)
    once = _once(request, "standard")
    if not once.claim():
        return once.repeated(request, fallback)
    owner, year = form.cleaned_data["owner"], form.cleaned_data["year"]
    try:
        branch, member = install_standard_sheets(actor=request.user, owner=owner, year=year)
    except ServiceError as exc:
        once.release()
        _error(request, exc)
        return redirect(fallback)
    url = f"{fallback}?year={year}"
    once.done(url)
    messages.success(
        request,
        f"已为{owner.display_name}准备{year}年标准模板：“{branch.name}”和“{member.name}”"
        "（已有的不会重复建立）。可在使用前按本单位情况修改。",
    )
    return redirect(url)


# ------------------------------------------------------------------ one template


def tree_rows(nodes: list[Indicator]) -> tuple[list[dict], dict]:
    """Rows of the clerks' layout: one per leaf (or per empty 类别/项目), the 类别 and 项目
    cells spanning their rows, with sums. Also the totals."""
    children: dict[int | None, list[Indicator]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)

    def points(leaf):
        return ZERO if leaf.rule_type == RuleType.BONUS else leaf.max_points

    rows: list[dict] = []
    total = bonus_caps = ZERO
    for category in children.get(None, []):
        items = children.get(category.pk, [])
        category_rows: list[dict] = []
        category.sum = ZERO
        category.bonus_caps = ZERO
        for item in items:
            leaves = children.get(item.pk, [])
            item.sum = sum((points(leaf) for leaf in leaves), ZERO)
            item.bonus_caps = sum(
                (leaf.bonus_cap or ZERO for leaf in leaves if leaf.rule_type == RuleType.BONUS),
                ZERO,
            )
            category.sum += item.sum
            category.bonus_caps += item.bonus_caps
            item_rows = [{"leaf": leaf} for leaf in leaves] or [{"leaf": None}]
            item_rows[0].update(item=item, item_span=len(item_rows))
            category_rows.extend(item_rows)
        if not category_rows:
            category_rows = [{"leaf": None, "item": None, "no_item": True}]
        category_rows[0].update(category=category, category_span=len(category_rows))
        for row in category_rows:
            row.setdefault("in_category", category)
        rows.extend(category_rows)
        total += category.sum
        bonus_caps += category.bonus_caps
    leaves = [node for node in nodes if node.level == 3]
    summary = {
        "total": total,
        "total_fmt": fmt(total),
        "bonus_caps": bonus_caps,
        "leaf_count": len(leaves),
        "bonus_count": sum(1 for leaf in leaves if leaf.rule_type == RuleType.BONUS),
        "veto_count": sum(1 for leaf in leaves if leaf.veto),
        "source_count": sum(1 for leaf in leaves if leaf.source),
    }
    return rows, summary


@login_required
@require_GET
def template_detail(request, pk: int):
    template = _template_or_404(request.user, pk)
    nodes = list(
        Indicator.objects.filter(template=template)
        .select_related("scorer_role")
        .order_by("position", "id")
    )
    for node in nodes:
        node.source_label = services.source_label(node.source) if node.source else ""
        node.max_fmt, node.unit_fmt = fmt(node.max_points), fmt(node.unit_points)
        node.cap_fmt = fmt(node.bonus_cap)
    rows, summary = tree_rows(nodes)
    for node in nodes:
        if node.level < 3:
            node.sum_fmt, node.caps_fmt = fmt(node.sum), fmt(node.bonus_caps)
    context = {
        "template": template,
        "rows": rows,
        "summary": summary,
        "is_member_sheet": template.target_kind == "member",
        "bands": template.bands(),
        "fmt": {
            "base": fmt(template.base_points),
            "cap": fmt(template.bonus_cap),
            "min": fmt(template.min_total) or "不限",
            "max": fmt(template.max_total) or "不限",
        },
        "form_token": _once(request, f"tpl:{template.pk}").token,
    }
    return render(request, "assessment/tpl_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def template_settings(request, pk: int):
    template = _template_or_404(request.user, pk)
    if not template.is_editable:
        return _frozen_redirect(request, template)
    form = SettingsForm.for_template(template, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.template_update(actor=request.user, template=template, **form.values())
        except ServiceError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(request, "设置已保存。")
            return redirect(_detail(template))
    return render(request, "assessment/tpl_settings.html", {"form": form, "template": template})


@login_required
@require_http_methods(["GET", "POST"])
def template_copy(request, pk: int):
    template = _template_or_404(request.user, pk)
    once = _once(request, f"copy:{template.pk}")
    # Last year's sheet is copied to this year by default; this year's to its next version.
    year = max(template.year, timezone.localdate().year)
    form = CopyForm(request.POST or None, initial={"year": year, "name": template.name})
    if request.method == "POST" and form.is_valid():
        if not once.claim():
            return once.repeated(request, reverse("assessment:templates"))
        try:
            copy = services.template_copy(
                actor=request.user,
                template=template,
                year=form.cleaned_data["year"],
                name=form.cleaned_data["name"],
            )
        except ServiceError as exc:
            once.release()
            form.add_error(None, exc.messages[0])
        else:
            url = _detail(copy)
            once.done(url)
            messages.success(request, f"已复制为“{copy}”，可以修改。")
            return redirect(url)
    return render(
        request,
        "assessment/tpl_copy.html",
        {"form": form, "template": template, "form_token": once.token},
    )


@login_required
@require_http_methods(["GET", "POST"])
def template_import(request, pk: int):
    template = _template_or_404(request.user, pk)
    if not template.is_editable:
        return _frozen_redirect(request, template)
    once = _once(request, f"import:{template.pk}")
    form = ImportForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        if not once.claim():
            return once.repeated(request, _detail(template))
        try:
            count = services.template_import(
                actor=request.user, template=template, file=form.cleaned_data["file"]
            )
        except ServiceError as exc:
            once.release()
            problems = exc.messages
        else:
            once.done(_detail(template))
            messages.success(request, f"已导入 {count} 条细则。")
            return redirect(_detail(template))
    existing = template.indicators.filter(level=3).count()
    return render(
        request,
        "assessment/tpl_import.html",
        {
            "form": form,
            "template": template,
            "problems": problems,
            "existing": existing,
            "form_token": once.token,
        },
    )


@login_required
@require_GET
def template_export(request, pk: int):
    template = _template_or_404(request.user, pk)
    data = excel.template_workbook(template)
    audit_log(
        actor=request.user,
        action="assessment.template_export",
        obj=template,
        organization=template.owner,
    )
    name = f"{template.year}年{template.name}（第{template.version}版）.xlsx"
    response = HttpResponse(data, content_type=CONTENT_TYPES[XLSX])
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@login_required
@require_POST
def template_delete(request, pk: int):
    template = _template_or_404(request.user, pk)
    try:
        services.template_delete(actor=request.user, template=template)
    except ServiceError as exc:
        _error(request, exc)
        return redirect(_detail(template))
    messages.success(request, f"已删除“{template}”。")
    return redirect(reverse("assessment:templates"))


@login_required
@require_POST
def template_active(request, pk: int):
    template = _template_or_404(request.user, pk)
    active = request.POST.get("active") == "1"
    try:
        services.template_update(actor=request.user, template=template, is_active=active)
    except ServiceError as exc:
        _error(request, exc)
    else:
        messages.success(request, "已启用。" if active else "已停用，新的考核周期不再使用它。")
    return redirect(_detail(template))


# ------------------------------------------------------------------ indicators


@login_required
@require_http_methods(["GET", "POST"])
def indicator_new(request, pk: int):
    template = _template_or_404(request.user, pk)
    if not template.is_editable:
        return _frozen_redirect(request, template)
    parent = after = None
    source = request.POST if request.method == "POST" else request.GET
    if source.get("parent"):
        parent = _indicator_or_404(request.user, source["parent"])
        if parent.template_id != template.pk or parent.level >= 3:
            raise Http404
    if source.get("after"):
        after = _indicator_or_404(request.user, source["after"])
        if after.template_id != template.pk:
            raise Http404
    level = parent.level + 1 if parent else 1
    once = _once(request, f"ind_new:{template.pk}")
    form = IndicatorForm(
        request.POST or None,
        level=level,
        target_kind=template.target_kind,
        initial={"rule_type": RuleType.DEDUCTION, "unit_label": "次", "floor_at_zero": True},
    )
    if request.method == "POST" and form.is_valid():
        if not once.claim():
            return once.repeated(request, _detail(template))
        try:
            indicator = services.indicator_create(
                actor=request.user, template=template, parent=parent, after=after, **form.values()
            )
        except ServiceError as exc:
            once.release()
            form.add_error(None, exc.messages[0])
        else:
            url = _detail(template, indicator.pk)
            once.done(url)
            messages.success(request, f"已添加 {indicator.code} {indicator.title}。")
            if request.POST.get("again") and parent is not None:
                return redirect(
                    reverse("assessment:indicator_new", args=[template.pk]) + f"?parent={parent.pk}"
                )
            return redirect(url)
    return render(
        request,
        "assessment/tpl_indicator.html",
        {
            "form": form,
            "template": template,
            "parent": parent,
            "after": after,
            "level": level,
            "form_token": once.token,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def indicator_edit(request, pk: int):
    indicator = _indicator_or_404(request.user, pk)
    template = indicator.template
    if not template.is_editable:
        return _frozen_redirect(request, template)
    form = IndicatorForm.for_indicator(indicator, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.indicator_update(actor=request.user, indicator=indicator, **form.values())
        except ServiceError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(request, f"已保存 {indicator.code}。")
            return redirect(_detail(template, indicator.pk))
    return render(
        request,
        "assessment/tpl_indicator.html",
        {
            "form": form,
            "template": template,
            "indicator": indicator,
            "parent": indicator.parent,
            "level": indicator.level,
        },
    )


@login_required
@require_POST
def indicator_move(request, pk: int):
    indicator = _indicator_or_404(request.user, pk)
    try:
        services.indicator_move(
            actor=request.user, indicator=indicator, direction=request.POST.get("direction", "")
        )
    except ServiceError as exc:
        _error(request, exc)
    return redirect(_detail(indicator.template, indicator.pk))


@login_required
@require_POST
def indicator_delete(request, pk: int):
    indicator = _indicator_or_404(request.user, pk)
    try:
        count = services.indicator_delete(actor=request.user, indicator=indicator)
    except ServiceError as exc:
        _error(request, exc)
    else:
        extra = f"及其下 {count - 1} 条指标" if count > 1 else ""
        messages.success(request, f"已删除 {indicator.code} {indicator.title}{extra}。")
    return redirect(_detail(indicator.template, indicator.parent_id))


urlpatterns = [
    path("templates/", templates, name="templates"),
    path("templates/new/", template_new, name="template_new"),
    path("templates/standard/", template_standard, name="template_standard"),
    path("templates/<int:pk>/", template_detail, name="template_detail"),
    path("templates/<int:pk>/settings/", template_settings, name="template_settings"),
    path("templates/<int:pk>/copy/", template_copy, name="template_copy"),
    path("templates/<int:pk>/import/", template_import, name="template_import"),
    path("templates/<int:pk>/export/", template_export, name="template_export"),
    path("templates/<int:pk>/delete/", template_delete, name="template_delete"),
    path("templates/<int:pk>/active/", template_active, name="template_active"),
    path("templates/<int:pk>/indicators/new/", indicator_new, name="indicator_new"),
    path("indicators/<int:pk>/edit/", indicator_edit, name="indicator_edit"),
    path("indicators/<int:pk>/move/", indicator_move, name="indicator_move"),
    path("indicators/<int:pk>/delete/", indicator_delete, name="indicator_delete"),
]

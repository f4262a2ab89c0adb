"""What the steps rest on, recorded from the case page: 公示 (start and conclusion), materials
(upload, scoped download, delete) and removing a 培养联系人/入党介绍人 chosen by mistake."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core.forms import parse_id
from dangjian.core.scope import get_visible_or_404
from dangjian.core.uploads import EXTENSIONS, serve_file
from dangjian.development import selectors_ui as select
from dangjian.development import services
from dangjian.development.forms import MaterialForm, PublicityConcludeForm, PublicityForm
from dangjian.development.models import PublicityResult, Sponsor
from dangjian.development.permissions import MANAGE_DEVELOPMENT
from dangjian.development.views.common import (
    SubmitOnce,
    case_or_404,
    case_url,
    errors_into,
    files,
    posted,
)


def _file_name(title: str, kind: str) -> str:
    safe = "".join(c for c in title if c not in '\\/:*?"<>|\r\n\t').strip() or "材料"
    return f"{safe[:80]}.{EXTENSIONS.get(kind, 'bin')}"


def _write(form, action) -> object | None:
    try:
        return action(form.cleaned_data)
    except PermissionDenied:
        form.add_error(None, "您没有办理这项工作的权限。")
    except ValidationError as refused:
        errors_into(form, refused)
    return None


# ---------------------------------------------------------------- 公示


@login_required
@require_http_methods(["GET", "POST"])
def publicity_new(request, pk):
    case = case_or_404(request, pk, MANAGE_DEVELOPMENT)
    once = SubmitOnce(request, f"publicity:{case.pk}")
    done_url = case_url(case, "publicity")
    if request.method == "POST" and not once.claim():
        return once.repeated(request, done_url)
    initial = {"purpose": request.GET.get("purpose", ""), "starts_on": timezone.localdate()}
    form = PublicityForm(posted(request), initial=initial)
    if request.method == "POST":
        publicity = form.is_valid() and _write(
            form,
            lambda data: services.publicity_record(
                actor=request.user,
                case=case,
                purpose=data["purpose"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
            ),
        )
        if publicity:
            once.done(done_url)
            messages.success(
                request,
                f"已登记{publicity.get_purpose_display()}：{publicity.starts_on:%Y-%m-%d} 至 "
                f"{publicity.ends_on:%Y-%m-%d}（{publicity.working_days} 个工作日）。",
            )
            return redirect(done_url)
        once.release()
    context = {"case": case, "person": case.person, "form": form, "token": once.token}
    context |= {"title": "登记公示", "icon": "megaphone", "submit": "登记公示"}
    return render(request, "development/publicity_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def publicity_conclude(request, pk):
    publicity = select.publicity_for(request.user, parse_id(pk), MANAGE_DEVELOPMENT)
    case = publicity.case
    done_url = case_url(case, "publicity")
    initial = {"result": PublicityResult.NO_OBJECTION}
    form = PublicityConcludeForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        done = _write(
            form,
            lambda data: services.publicity_conclude(
                actor=request.user,
                publicity=publicity,
                result=data["result"],
                objections=data.get("objections", ""),
            ),
        )
        if done:
            messages.success(request, f"已登记公示结果：{done.get_result_display()}。")
            return redirect(done_url)
    context = {"case": case, "person": case.person, "form": form, "publicity": publicity}
    context |= {"title": "登记公示结果", "icon": "megaphone", "submit": "保存结果"}
    return render(request, "development/publicity_conclude.html", context)


# ---------------------------------------------------------------- materials


@login_required
@require_http_methods(["GET", "POST"])
def material_upload(request, pk):
    case = case_or_404(request, pk, MANAGE_DEVELOPMENT)
    once = SubmitOnce(request, f"material:{case.pk}")
    done_url = case_url(case, "materials")
    if request.method == "POST" and not once.claim():
        return once.repeated(request, done_url)
    initial = {"kind": request.GET.get("kind", ""), "dated_on": timezone.localdate()}
    form = MaterialForm(posted(request), files(request), initial=initial)
    if request.method == "POST":
        material = form.is_valid() and _write(
            form,
            lambda data: services.material_upload(
                actor=request.user,
                case=case,
                kind=data["kind"],
                title=data["title"],
                upload=data["file"],
                dated_on=data.get("dated_on"),
            ),
        )
        if material:
            once.done(done_url)
            messages.success(request, f"已上传材料“{material.title}”。")
            return redirect(done_url)
        once.release()
    context = {"case": case, "person": case.person, "form": form, "token": once.token}
    context |= {"title": "上传材料", "icon": "upload", "submit": "上传"}
    return render(request, "development/material_form.html", context)


@login_required
@require_GET
def material_download(request, pk):
    material = select.material_for(request.user, parse_id(pk))
    services.material_download(actor=request.user, material=material)
    name = _file_name(material.title, material.file_kind)
    return serve_file(material.file, kind=material.file_kind, download_name=name)


@login_required
@require_POST
def material_delete(request, pk):
    material = select.material_for(request.user, parse_id(pk))
    case = case_or_404(request, material.case_id, MANAGE_DEVELOPMENT)
    try:
        services.material_delete(actor=request.user, material=material)
    except ValidationError as refused:
        messages.error(request, "；".join(refused.messages))
    else:
        messages.success(request, f"已删除材料“{material.title}”。")
    return redirect(case_url(case, "materials"))


# ---------------------------------------------------------------- sponsors


@login_required
@require_POST
def sponsor_remove(request, pk):
    sponsor = get_visible_or_404(
        Sponsor.objects.select_related("case", "member__person"),
        request.user,
        MANAGE_DEVELOPMENT,
        pk=parse_id(pk),
    )
    try:
        services.sponsor_remove(actor=request.user, sponsor=sponsor)
    except PermissionDenied:
        messages.error(request, "您没有办理这项工作的权限。")
    except ValidationError as refused:
        messages.error(request, "；".join(refused.messages))
    else:
        messages.success(
            request, f"已取消{sponsor.member.person.name}的{sponsor.get_kind_display()}。"
        )
    return redirect(case_url(sponsor.case, "sponsors"))


urlpatterns = [
    path("cases/<int:pk>/publicity/new/", publicity_new, name="publicity_new"),
    path("publicity/<int:pk>/conclude/", publicity_conclude, name="publicity_conclude"),
    path("cases/<int:pk>/materials/new/", material_upload, name="material_upload"),
    path("materials/<int:pk>/", material_download, name="material_download"),
    path("materials/<int:pk>/delete/", material_delete, name="material_delete"),
    path("sponsors/<int:pk>/delete/", sponsor_remove, name="sponsor_remove"),
]

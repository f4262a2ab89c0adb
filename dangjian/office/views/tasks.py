"""Pages of 工作任务 (namespace `office`, under `/office/`).

The assigner (ASSIGN_TASK): `tasks` (list with tabs), `task_new`, `task_edit`, `task_detail`
(counters from the summary columns, the paginated assignee table with filters, and for a draft
the files and the 下达 form), POST actions (`task_file_upload`, `task_file_delete`, `task_open`,
`task_action`: chase/close/cancel/delete), `task_export`, `task_merge`, `submission` (one
assignee's report) and `submission_action` (accept/return).

The assignee (HANDLE_TASK): `assignments` (待报送 first), `assignment` (the task, the template,
the report form) and `assignment_submit`.

`file` serves any task file after `selectors.task_file_or_404` checked the caller. A task or
assignment outside the caller's scope is a 404 like a missing one; a refused write comes back
as a Chinese message and changes nothing; every form carries a one-time token.
"""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core.exceptions import ServiceError
from dangjian.core.paging import paginate
from dangjian.core.submit_once import SubmitOnce
from dangjian.core.uploads import serve_file
from dangjian.office import exports, selectors, services
from dangjian.office.forms import (
    CancelForm,
    ReviewForm,
    SubmitForm,
    TargetForm,
    TaskFileForm,
    TaskForm,
)
from dangjian.office.models import TaskAssignment, TaskFile, WorkTask

ONCE = "office"
PER_PAGE = 20
XLSX = exports.XLSX


def _require_assigner(user) -> None:
    if not selectors.can_assign(user):
        raise Http404


def _require_handler(user) -> None:
    if not selectors.can_handle(user):
        raise Http404


def _attachment(name: str) -> str:
    return f"attachment; filename*=UTF-8''{quote(name)}"


def _error(request, exc: ServiceError) -> None:
    messages.error(request, exc.messages[0])


def _once_guard(request, purpose: str, fallback: str):
    """(SubmitOnce, response): the response is set when this POST repeats an earlier one."""
    once = SubmitOnce(request, purpose, namespace=ONCE)
    if not once.claim():
        return once, once.repeated(request, fallback)
    return once, None


# ------------------------------------------------------------------ the assigner's list


@login_required
@require_GET
def tasks(request):
    user = request.user
    if not selectors.can_assign(user):
        _require_handler(user)
        return redirect("office:assignments")
    tab = request.GET.get("tab", "open")
    if tab not in selectors.TASK_TABS:
        tab = "open"
    rows = selectors.tasks_assigned_by(user, {"tab": tab, "q": request.GET.get("q", "")})
    context = {
        "tab": tab,
        "tabs": list(selectors.TASK_TABS.items()),
        "q": request.GET.get("q", ""),
        "now": timezone.now(),
        "may_handle": selectors.can_handle(user),
        **paginate(request, rows, PER_PAGE),
    }
    return render(request, "office/tasks.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def task_new(request):
    _require_assigner(request.user)
    once = SubmitOnce(request, "task_new", namespace=ONCE)
    form = TaskForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        if not once.claim():
            return once.repeated(request, reverse("office:tasks") + "?tab=draft")
        try:
            task = services.task_create(
                actor=request.user,
                organization=form.cleaned_data["organization"],
                data=form.data_dict(),
            )
        except ServiceError as exc:
            once.release()
            form.add_error(None, exc.messages[0])
        else:
            url = reverse("office:task_detail", args=[task.pk])
            once.done(url)
            messages.success(
                request, "任务草稿已保存。请上传表格模板或参考材料，选择承办单位后下达。"
            )
            return redirect(url)
    return render(request, "office/task_form.html", {"form": form, "form_token": once.token})


@login_required
@require_http_methods(["GET", "POST"])
def task_edit(request, pk: int):
    task = selectors.task_for_assigner_or_404(request.user, pk)
    detail = reverse("office:task_detail", args=[task.pk])
    if task.status != WorkTask.Status.DRAFT:
        messages.info(request, "任务已下达，不能再修改。")
        return redirect(detail)
    initial = {
        "title": task.title,
        "description": task.description,
        "deadline": timezone.localtime(task.deadline),
        "requires_files": task.requires_files,
        "requires_form": task.requires_form,
    }
    form = TaskForm(request.POST or None, user=request.user, task=task, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.task_update(actor=request.user, task=task, data=form.data_dict())
        except ServiceError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(request, "任务已修改。")
            return redirect(detail)
    return render(request, "office/task_form.html", {"form": form, "task": task})


# ------------------------------------------------------------------ one task


@login_required
@require_GET
def task_detail(request, pk: int):
    task = selectors.task_for_assigner_or_404(request.user, pk)
    now = timezone.now()
    status = request.GET.get("status", "")
    if status not in selectors.ASSIGNMENT_FILTERS:
        status = ""
    filters = {"status": status, "q": request.GET.get("q", "")}
    files = list(task.files.filter(assignment=None).order_by("purpose", "id"))
    late = task.pending_count if task.status == WorkTask.Status.OPEN and task.deadline < now else 0
    context = {
        "task": task,
        "now": now,
        "late_count": late,
        "overdue": task.deadline < now,
        "files": files,
        "form_file": next((f for f in files if f.purpose == TaskFile.Purpose.FORM), None),
        "filters": list(selectors.ASSIGNMENT_FILTERS.items()),
        "status": status,
        "q": filters["q"],
        "form_token": SubmitOnce(request, "task", namespace=ONCE).token,
        "cancel_form": CancelForm(),
    }
    if task.status == WorkTask.Status.DRAFT:
        context["target_form"] = TargetForm(task=task)
        context["file_form"] = TaskFileForm()
    else:
        context.update(paginate(request, selectors.assignments_of_task(task, filters, now=now)))
    return render(request, "office/task_detail.html", context)


@login_required
@require_POST
def task_file_upload(request, pk: int):
    task = selectors.task_for_assigner_or_404(request.user, pk)
    detail = reverse("office:task_detail", args=[task.pk])
    purpose = request.POST.get("purpose", "")
    once, repeated = _once_guard(request, f"file:{task.pk}", detail)
    if repeated:
        return repeated
    try:
        stored = services.task_file_add(
            actor=request.user, task=task, file=request.FILES.get("file"), purpose=purpose
        )
    except ServiceError as exc:
        once.release()
        _error(request, exc)
    else:
        once.done(detail)
        messages.success(request, f"已上传“{stored.title}”。")
    return redirect(detail)


@login_required
@require_POST
def task_file_delete(request, pk: int, file_pk: int):
    task = selectors.task_for_assigner_or_404(request.user, pk)
    detail = reverse("office:task_detail", args=[task.pk])
    stored = task.files.filter(pk=file_pk, assignment=None).first()
    if stored is None:
        raise Http404
    try:
        services.task_file_remove(actor=request.user, file=stored)
    except ServiceError as exc:
        _error(request, exc)
    else:
        messages.success(request, f"已删除“{stored.title}”。")
    return redirect(detail)


@login_required
@require_POST
def task_open(request, pk: int):
    task = selectors.task_for_assigner_or_404(request.user, pk)
    detail = reverse("office:task_detail", args=[task.pk])
    form = TargetForm(request.POST, task=task)
    if not form.is_valid():
        messages.error(request, next(iter(form.errors.values()))[0])
        return redirect(detail)
    once, repeated = _once_guard(request, f"open:{task.pk}", detail)
    if repeated:
        return repeated
    try:
        count = services.task_open(actor=request.user, task=task, targets=form.targets())
    except ServiceError as exc:
        once.release()
        _error(request, exc)
    else:
        once.done(detail)
        messages.success(request, f"任务已下达给 {count} 个承办单位，已通知各单位负责人。")
    return redirect(detail)


ACTIONS = ("chase", "close", "cancel", "delete")


@login_required
@require_POST
def task_action(request, pk: int, action: str):
    if action not in ACTIONS:
        raise Http404
    task = selectors.task_for_assigner_or_404(request.user, pk)
    detail = reverse("office:task_detail", args=[task.pk])
    once, repeated = _once_guard(request, f"{action}:{task.pk}", detail)
    if repeated:
        return repeated
    user = request.user
    target = detail
    try:
        if action == "chase":
            count = services.task_chase(actor=user, task=task)
            text = (
                f"已向 {count} 个未报送的单位发出催报。"
                if count
                else "没有需要催报的单位（今天已催报过的单位不会重复提醒）。"
            )
        elif action == "close":
            services.task_close(actor=user, task=task)
            text = "任务已结束，承办单位不能再报送。"
        elif action == "cancel":
            services.task_cancel(actor=user, task=task, reason=request.POST.get("reason", ""))
            text = "任务已撤销，已通知尚未完成的承办单位。"
        else:
            services.task_delete(actor=user, task=task)
            text = f"已删除任务草稿《{task.title}》。"
            target = reverse("office:tasks") + "?tab=draft"
    except ServiceError as exc:
        once.release()
        _error(request, exc)
        return redirect(detail)
    once.done(target)
    messages.success(request, text)
    return redirect(target)


@login_required
@require_GET
def task_export(request, pk: int):
    task = selectors.task_for_assigner_or_404(request.user, pk)
    content = exports.status_workbook(actor=request.user, task=task)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = _attachment(f"{task.title[:60]}-报送情况.xlsx")
    return response


@login_required
@require_POST
def task_merge(request, pk: int):
    task = selectors.task_for_assigner_or_404(request.user, pk)
    detail = reverse("office:task_detail", args=[task.pk])
    if not task.requires_form:
        messages.error(request, "这项任务不要求填报表格，没有可汇总的表格。")
        return redirect(detail)
    try:
        if exports.forms_count(task) > exports.INLINE_LIMIT:
            job = exports.start_merge_job(
                actor=request.user, task=task, request_key=request.POST.get("form_token", "")[:64]
            )
            messages.info(request, "报送的表格较多，正在后台汇总，完成后可在此页面下载。")
            return redirect("core:job_detail", job.pk)
        content = exports.merge_inline(actor=request.user, task=task)
    except ServiceError as exc:
        _error(request, exc)
        return redirect(detail)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = _attachment(exports.merge_filename(task))
    return response


@login_required
@require_GET
def merge_download(request, job_id):
    job = exports.finished_job_of(request.user, job_id)
    name = job.params.get("file", "") if job else ""
    if not name or not default_storage.exists(name):
        raise Http404
    return FileResponse(
        default_storage.open(name, "rb"),
        as_attachment=True,
        filename=job.params.get("filename", "汇总表.xlsx"),
        content_type=XLSX,
    )


# ------------------------------------------------------------------ one submission (assigner)


@login_required
@require_GET
def submission(request, pk: int):
    assignment = selectors.assignment_for_assigner_or_404(request.user, pk)
    context = {
        "assignment": assignment,
        "task": assignment.task,
        "files": list(assignment.files.order_by("purpose", "id")),
        "review_form": ReviewForm(),
        "form_token": SubmitOnce(request, "review", namespace=ONCE).token,
    }
    return render(request, "office/submission.html", context)


@login_required
@require_POST
def submission_action(request, pk: int, action: str):
    if action not in ("accept", "return"):
        raise Http404
    assignment = selectors.assignment_for_assigner_or_404(request.user, pk)
    here = reverse("office:submission", args=[assignment.pk])
    task_url = reverse("office:task_detail", args=[assignment.task_id]) + "?status=submitted"
    once, repeated = _once_guard(request, f"review:{assignment.pk}:{action}", here)
    if repeated:
        return repeated
    note = (request.POST.get("note") or "").strip()
    try:
        if action == "accept":
            services.assignment_accept(actor=request.user, assignment=assignment, note=note)
            text = f"已通过{assignment.organization.display_name}的报送。"
        else:
            services.assignment_return(actor=request.user, assignment=assignment, reason=note)
            text = f"已退回{assignment.organization.display_name}的报送，并通知其重新报送。"
    except ServiceError as exc:
        once.release()
        _error(request, exc)
        return redirect(here)
    once.done(task_url)
    messages.success(request, text)
    return redirect(task_url)


# ------------------------------------------------------------------ the assignee


@login_required
@require_GET
def assignments(request):
    _require_handler(request.user)
    tab = request.GET.get("tab", "todo")
    if tab not in selectors.MY_TABS:
        tab = "todo"
    context = {
        "tab": tab,
        "tabs": list(selectors.MY_TABS.items()),
        "now": timezone.now(),
        "may_assign": selectors.can_assign(request.user),
        **paginate(request, selectors.assignments_handled_by(request.user, tab), PER_PAGE),
    }
    return render(request, "office/assignments.html", context)


def _assignment_context(request, assignment, form=None, token=None) -> dict:
    task = assignment.task
    task_files = list(task.files.filter(assignment=None).order_by("purpose", "id"))
    reportable = task.status == WorkTask.Status.OPEN and assignment.status in (
        TaskAssignment.Status.PENDING,
        TaskAssignment.Status.RETURNED,
    )
    return {
        "assignment": assignment,
        "task": task,
        "now": timezone.now(),
        "template_file": next((f for f in task_files if f.purpose == TaskFile.Purpose.FORM), None),
        "references": [f for f in task_files if f.purpose == TaskFile.Purpose.REFERENCE],
        "files": list(assignment.files.order_by("purpose", "id")),
        "reportable": reportable,
        "form": form or SubmitForm(initial={"report": assignment.report}),
        "form_token": token or SubmitOnce(request, "submit", namespace=ONCE).token,
    }


@login_required
@require_GET
def assignment(request, pk: int):
    item = selectors.assignment_for_handler_or_404(request.user, pk)
    return render(request, "office/assignment.html", _assignment_context(request, item))


@login_required
@require_POST
def assignment_submit(request, pk: int):
    item = selectors.assignment_for_handler_or_404(request.user, pk)
    here = reverse("office:assignment", args=[item.pk])
    form = SubmitForm(request.POST, request.FILES)
    once = SubmitOnce(request, "submit", namespace=ONCE)
    if form.is_valid():
        if not once.claim():
            return once.repeated(request, here)
        try:
            services.assignment_submit(
                actor=request.user,
                assignment=item,
                report=form.cleaned_data["report"],
                files=form.cleaned_data["files"],
                form=form.cleaned_data.get("form"),
            )
        except ServiceError as exc:
            once.release()
            form.add_error(None, exc.messages[0])
        else:
            once.done(here)
            messages.success(request, "已报送，等待下达单位审核。")
            return redirect(here)
    context = _assignment_context(request, item, form=form, token=once.token)
    return render(request, "office/assignment.html", context, status=400)


# ------------------------------------------------------------------ files


@login_required
@require_GET
def task_file(request, pk: int):
    stored = selectors.task_file_or_404(request.user, pk)
    return serve_file(
        stored.file, kind=stored.file_kind, download_name=stored.title, request=request
    )


urlpatterns = [
    path("tasks/", tasks, name="tasks"),
    path("tasks/new/", task_new, name="task_new"),
    path("tasks/<int:pk>/", task_detail, name="task_detail"),
    path("tasks/<int:pk>/edit/", task_edit, name="task_edit"),
    path("tasks/<int:pk>/files/", task_file_upload, name="task_file_upload"),
    path("tasks/<int:pk>/files/<int:file_pk>/delete/", task_file_delete, name="task_file_delete"),
    path("tasks/<int:pk>/open/", task_open, name="task_open"),
    path("tasks/<int:pk>/export/", task_export, name="task_export"),
    path("tasks/<int:pk>/merge/", task_merge, name="task_merge"),
    path("tasks/<int:pk>/<str:action>/", task_action, name="task_action"),
    path("merged/<uuid:job_id>/", merge_download, name="merge_download"),
    path("submissions/<int:pk>/", submission, name="submission"),
    path("submissions/<int:pk>/<str:action>/", submission_action, name="submission_action"),
    path("my/", assignments, name="assignments"),
    path("my/<int:pk>/", assignment, name="assignment"),
    path("my/<int:pk>/submit/", assignment_submit, name="assignment_submit"),
    path("files/<int:pk>/", task_file, name="file"),
]

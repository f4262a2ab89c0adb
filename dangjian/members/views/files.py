"""The member's file: photo (`members:photo`), documents and rewards/punishments.

Reading (the photo, a document download) needs `members.view_member` over the member; every
write needs `members.manage_member`. Outside the scope every URL answers 404, like a missing
object. Files are only ever served through `core.uploads.serve_file` after that check.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core.forms import parse_id
from dangjian.core.scope import get_visible_or_404
from dangjian.core.uploads import EXTENSIONS, serve_file
from dangjian.members.forms import DocumentForm, RewardForm
from dangjian.members.models import Member, MemberDocument, RewardPunishment
from dangjian.members.permissions import MANAGE_MEMBER, VIEW_MEMBER
from dangjian.members.services import records as services
from dangjian.members.services.people import RecordInvalid
from dangjian.members.views.records import SubmitOnce, detail_url, managed_member

RELATED = ("person", "organization")


def _member(request, pk, permission) -> Member:
    queryset = Member.objects.select_related(*RELATED)
    return get_visible_or_404(queryset, request.user, permission, pk=parse_id(pk))


def _next(request, default: str) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if url and allowed else default


def _problems_into(form, exc: RecordInvalid) -> None:
    for field, message in exc.problems:
        form.add_error(field if field in form.fields else None, message)


def _file_name(title: str, kind: str) -> str:
    safe = "".join(c for c in title if c not in '\\/:*?"<>|\r\n\t').strip() or "材料"
    return f"{safe[:80]}.{EXTENSIONS.get(kind, 'bin')}"


# ---------------------------------------------------------------- photo


@login_required
@require_http_methods(["GET", "POST"])
def photo(request, pk):
    if request.method == "POST":
        return _photo_upload(request, pk)
    member = _member(request, pk, VIEW_MEMBER)
    kind = services.photo_kind(member.person)
    if not kind:
        raise Http404
    name = _file_name(f"{member.person.name}照片", kind)
    return serve_file(member.person.photo, kind=kind, download_name=name, inline=True)


def _photo_upload(request, pk):
    member = managed_member(request, pk)
    back = _next(request, detail_url(member))
    try:
        services.member_photo_set(
            actor=request.user, member=member, upload=request.FILES.get("photo")
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已更新“{member.person.name}”的照片。")
    return redirect(back)


# ---------------------------------------------------------------- documents


@login_required
@require_http_methods(["GET", "POST"])
def document_upload(request, pk):
    member = managed_member(request, pk)
    once = SubmitOnce(request, f"document_upload:{member.pk}")
    done_url = detail_url(member, "documents")
    if request.method == "POST" and not once.claim():
        return once.repeated(request, done_url)
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                document = services.member_document_upload(
                    actor=request.user,
                    member=member,
                    kind=data["kind"],
                    title=data["title"],
                    upload=data["file"],
                )
            except RecordInvalid as exc:
                _problems_into(form, exc)
            else:
                once.done(done_url)
                messages.success(request, f"已上传档案材料“{document.title}”。")
                return redirect(done_url)
        once.release()
    context = {"form": form, "member": member, "token": once.token, "cancel_url": done_url}
    return render(request, "members/document_upload.html", context)


@login_required
@require_GET
def document_download(request, pk):
    document = get_visible_or_404(
        MemberDocument.objects.select_related("person__organization"),
        request.user,
        VIEW_MEMBER,
        pk=parse_id(pk),
    )
    services.member_document_download(actor=request.user, document=document)
    name = _file_name(document.title, document.file_kind)
    return serve_file(document.file, kind=document.file_kind, download_name=name)


@login_required
@require_POST
def document_delete(request, pk):
    document = get_visible_or_404(
        MemberDocument.objects.select_related("person__membership__organization"),
        request.user,
        MANAGE_MEMBER,
        pk=parse_id(pk),
    )
    member = document.person.membership
    services.member_document_delete(actor=request.user, document=document)
    messages.success(request, f"已删除档案材料“{document.title}”。")
    return redirect(_next(request, detail_url(member, "documents")))


# ---------------------------------------------------------------- rewards and punishments


@login_required
@require_http_methods(["GET", "POST"])
def reward_add(request, pk):
    member = managed_member(request, pk)
    once = SubmitOnce(request, f"reward_add:{member.pk}")
    done_url = detail_url(member, "party")
    if request.method == "POST" and not once.claim():
        return once.repeated(request, done_url)
    initial = {"kind": request.GET.get("kind") or RewardPunishment.Kind.REWARD}
    form = RewardForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                reward = services.member_reward_add(
                    actor=request.user,
                    member=member,
                    kind=data["kind"],
                    title=data["title"],
                    discipline=data["discipline"],
                    decided_on=data["decided_on"],
                    ends_on=data["ends_on"],
                    issuer=data["issuer"],
                    document_number=data["document_number"],
                    note=data["note"],
                    upload=data.get("file"),
                )
            except RecordInvalid as exc:
                _problems_into(form, exc)
            else:
                once.done(done_url)
                messages.success(request, f"已登记{reward.get_kind_display()}“{reward.title}”。")
                return redirect(done_url)
        once.release()
    context = {"form": form, "member": member, "token": once.token, "cancel_url": done_url}
    return render(request, "members/reward_form.html", context)


@login_required
@require_POST
def reward_delete(request, pk):
    reward = get_visible_or_404(
        RewardPunishment.objects.select_related("member__organization", "member__person"),
        request.user,
        MANAGE_MEMBER,
        pk=parse_id(pk),
    )
    member = reward.member
    services.member_reward_delete(actor=request.user, reward=reward)
    messages.success(request, f"已删除{reward.get_kind_display()}记录“{reward.title}”。")
    return redirect(_next(request, detail_url(member, "party")))


urlpatterns = [
    path("<int:pk>/photo/", photo, name="photo"),
    path("<int:pk>/documents/new/", document_upload, name="document_upload"),
    path("documents/<int:pk>/", document_download, name="document_download"),
    path("documents/<int:pk>/delete/", document_delete, name="document_delete"),
    path("<int:pk>/rewards/new/", reward_add, name="reward_add"),
    path("rewards/<int:pk>/delete/", reward_delete, name="reward_delete"),
]

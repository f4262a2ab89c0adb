"""Forms of committees (班子): a new term, posts taken and ended."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_http_methods

from dangjian.core.scope import get_visible_or_404, require_in_scope
from dangjian.orgs import selectors as select
from dangjian.orgs import services
from dangjian.orgs.forms import (
    OPTION_LIMIT,
    CommitteeForm,
    PersonChoiceField,
    PostEndForm,
    PostForm,
)
from dangjian.orgs.models import Committee, CommitteePost, Organization
from dangjian.orgs.permissions import MANAGE_COMMITTEE
from dangjian.orgs.views.common import submit

FORM = "orgs/form.html"


def _current_committee(request, pk) -> Committee:
    queryset = Committee.objects.select_related("organization")
    committee = get_visible_or_404(queryset, request.user, MANAGE_COMMITTEE, pk=pk)
    if not committee.is_current or not committee.organization.is_active:
        raise Http404
    return committee


@login_required
@require_http_methods(["GET", "POST"])
def term_create(request, pk):
    org = get_visible_or_404(Organization, request.user, MANAGE_COMMITTEE, pk=pk)
    if not org.is_active:
        raise Http404
    form = CommitteeForm(request.POST or None, term_years=services.default_term_years(org))
    done = submit(
        request,
        form,
        lambda data: services.committee_create(actor=request.user, organization=org, **data),
        success=lambda committee: f"已建立第 {committee.term_number} 届班子，请添加班子成员。",
        next_url=org.get_absolute_url(),
    )
    context = {"form": form, "org": org, "title": "换届（新一届班子）", "submit_label": "建立"}
    return done or render(request, FORM, context)


@login_required
@require_http_methods(["GET", "POST"])
def post_add(request, pk):
    committee = _current_committee(request, pk)
    org = committee.organization
    form = PostForm(request.POST or None, organization=org)
    done = submit(
        request,
        form,
        lambda data: services.committee_post_add(actor=request.user, committee=committee, **data),
        success=lambda post: f"已任命{post.person}为{post.get_post_display()}。",
        next_url=org.get_absolute_url(),
    )
    context = {
        "form": form,
        "org": org,
        "title": f"添加班子职务（第 {committee.term_number} 届）",
        "submit_label": "添加",
        "picker": "person",
        "options_url": "orgs:post_people",
        "options_arg": committee.pk,
        "picker_placeholder": "输入姓名或工号搜索",
    }
    return done or render(request, FORM, context)


@login_required
@require_GET
def post_people(request, pk):
    committee = _current_committee(request, pk)
    people = select.eligible_people(committee.organization, request.GET.get("q", ""))
    label = PersonChoiceField(queryset=people).label_from_instance
    options = [(person.pk, label(person)) for person in people[:OPTION_LIMIT]]
    context = {"options": options, "limit": OPTION_LIMIT, "empty_label": "请选择党员"}
    return render(request, "orgs/_options.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def post_end(request, pk):
    post = get_object_or_404(
        CommitteePost.objects.select_related("committee__organization", "person"), pk=pk
    )
    org = post.committee.organization
    require_in_scope(request.user, MANAGE_COMMITTEE, org.path)
    if post.ended_on is not None or not org.is_active:
        raise Http404
    form = PostEndForm(request.POST or None)
    done = submit(
        request,
        form,
        lambda data: services.committee_post_end(
            actor=request.user, committee_post=post, ended_on=data["ended_on"]
        ),
        success=lambda ended: f"{ended.person}已离任{ended.get_post_display()}。",
        next_url=org.get_absolute_url(),
    )
    context = {
        "form": form,
        "org": org,
        "title": f"离任：{post.get_post_display()} {post.person}",
        "submit_label": "确认离任",
        "danger": True,
    }
    return done or render(request, FORM, context)

"""Administration pages under /manage/: users, roles, grants, security policy.

Views parse input, call one selector or service and render. A list or "new" page the user holds
no permission for answers 403; an object page answers 404 unless the object lies in the user's
scope (the selectors decide), exactly as a missing object.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.accounts import manage_selectors as selectors
from dangjian.accounts import permissions as perms
from dangjian.accounts.manage_forms import (
    KEEP,
    OPTION_LIMIT,
    GrantForm,
    RevokeForm,
    RoleForm,
    RuleChangeForm,
    UserCreateForm,
    UserUpdateForm,
)
from dangjian.accounts.models import Role, RoleAssignment
from dangjian.accounts.services import grants as grant_services
from dangjian.accounts.services import roles as role_services
from dangjian.accounts.services import users as user_services
from dangjian.core import rules
from dangjian.core.exceptions import ServiceError
from dangjian.core.forms import parse_id
from dangjian.core.idnumbers import mask_id_number
from dangjian.core.paging import paginate
from dangjian.core.scope import get_visible_or_404, has_permission
from dangjian.core.services import holds_globally, rule_set

PAGE_SIZE = 20


def permission_required(*codes):
    """Login, then 403 unless the user holds one of the codes somewhere (list and new pages)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            if not any(has_permission(request.user, code) for code in codes):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _posted(request):
    """The POST data, or None on GET (an empty POST is still a submission)."""
    return request.POST if request.method == "POST" else None


def _can(request, *codes) -> dict:
    return {code.split(".", 1)[1]: has_permission(request.user, code) for code in codes}


def _submit(form, call):
    """Run a service with the form's data; its refusal becomes a form error. None on refusal."""
    try:
        return call(form.cleaned_data)
    except ServiceError as exc:
        form.add_error(None, exc)
        return None


# ---------------------------------------------------------------- users


@require_GET
@permission_required(perms.VIEW_USER)
def user_list(request):
    query, status = request.GET.get("q", ""), request.GET.get("status", "")
    users = selectors.user_list(request.user, query=query, status=status)
    context = paginate(request, users, PAGE_SIZE)
    page_users = list(context["page_obj"].object_list)
    locked = selectors.locked_until(u.username for u in page_users)
    for shown in page_users:
        shown.locked_until = locked.get(shown.username)
    context["users"] = page_users
    context.update(
        query=query,
        status=status,
        statuses=selectors.USER_STATUSES,
        can=_can(request, perms.MANAGE_USER, perms.UNLOCK_USER),
    )
    return render(request, "accounts/manage/user_list.html", context)


@require_http_methods(["GET", "POST"])
@permission_required(perms.MANAGE_USER)
def user_create(request):
    form = UserCreateForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        created = _submit(form, lambda data: user_services.user_create(actor=request.user, **data))
        if created:
            user, password = created
            return _password_once(request, user, password, created=True)
    return render(request, "accounts/manage/user_form.html", {"form": form, "creating": True})


@require_GET
@login_required
def user_detail(request, pk):
    shown = selectors.user_detail(request.user, pk)
    context = {
        "shown": shown,
        "locked_until": selectors.locked_until([shown.username]).get(shown.username),
        "can": _can(request, perms.MANAGE_USER, perms.UNLOCK_USER),
    }
    # Login history (times, addresses) is for the administrators, not for a department viewer.
    admin = context["can"]["manage_user"] or context["can"]["unlock_user"]
    context["logins"] = selectors.recent_logins(shown) if admin else None
    return render(request, "accounts/manage/user_detail.html", context)


def _managed_user(request, pk, permission=perms.MANAGE_USER):
    return get_object_or_404(selectors.users_visible_to(request.user, permission), pk=pk)


@require_http_methods(["GET", "POST"])
@login_required
def user_edit(request, pk):
    shown = _managed_user(request, pk)
    initial = {"display_name": shown.display_name, "mobile": shown.mobile, "email": shown.email}
    linked = shown.person
    may_link = holds_globally(request.user, perms.MANAGE_USER)
    form = UserUpdateForm(_posted(request), initial=initial, linked=linked, may_link=may_link)
    saved = (
        request.method == "POST"
        and form.is_valid()
        and _submit(form, lambda data: _update_and_link(request.user, shown, form))
    )
    if saved:
        messages.success(request, f"已保存 {shown} 的资料。{_link_message(shown, linked)}")
        return redirect("manage:user_detail", pk=shown.pk)
    context = {"form": form, "shown": shown, "linked": _described_person(linked)}
    return render(request, "accounts/manage/user_form.html", context)


@transaction.atomic
def _update_and_link(actor, shown, form):
    user = user_services.user_update(actor=actor, user=shown, **form.account_data())
    change = form.link_change()
    if change is not KEEP:
        user_services.user_link_person(actor=actor, user=shown, person=change)
    return user


def _described_person(person) -> str:
    """`张三（410402********1234，工号 T0001）`: the person as the account page names them."""
    if person is None:
        return ""
    details = [mask_id_number(person.id_number)] if person.id_number else []
    details += [f"工号 {person.work_number}"] if person.work_number else []
    return f"{person.name}（{'，'.join(details)}）" if details else person.name


def _link_message(shown, before) -> str:
    after = shown.person
    if (before.pk if before else None) == (after.pk if after else None):
        return ""
    if after is None:
        return "已解除与人员档案的关联。"
    return f"已关联人员档案：{_described_person(after)}。"


def _user_action(request, pk, service, done: str, permission=perms.MANAGE_USER):
    shown = _managed_user(request, pk, permission)
    try:
        service(actor=request.user, user=shown)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done.format(user=shown))
    return redirect("manage:user_detail", pk=shown.pk)


@require_POST
@login_required
def user_deactivate(request, pk):
    return _user_action(request, pk, user_services.user_deactivate, "已停用 {user}。")


@require_POST
@login_required
def user_activate(request, pk):
    return _user_action(request, pk, user_services.user_activate, "已启用 {user}。")


@require_POST
@login_required
def user_unlock(request, pk):
    done = "已解除 {user} 的锁定。"
    return _user_action(request, pk, user_services.user_unlock, done, perms.UNLOCK_USER)


@never_cache
@require_POST
@login_required
def user_reset_password(request, pk):
    shown = _managed_user(request, pk)
    try:
        password = user_services.user_reset_password(actor=request.user, user=shown)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("manage:user_detail", pk=shown.pk)
    return _password_once(request, shown, password, created=False)


def _password_once(request, user, password, *, created):
    """The only place a temporary password is ever shown: this response, never cached."""
    context = {"shown": user, "password": password, "created": created}
    response = render(request, "accounts/manage/password_once.html", context)
    response["Cache-Control"] = "no-store, max-age=0"
    return response


# ---------------------------------------------------------------- roles

ROLE_READERS = (perms.MANAGE_ROLE, perms.VIEW_ROLE_ASSIGNMENT)


@require_GET
@permission_required(*ROLE_READERS)
def role_list(request):
    context = paginate(request, selectors.role_list(request.user), PAGE_SIZE)
    context["can"] = _can(request, perms.MANAGE_ROLE, perms.VIEW_ROLE_ASSIGNMENT)
    return render(request, "accounts/manage/role_list.html", context)


def _visible_role(request, pk):
    if not any(has_permission(request.user, code) for code in ROLE_READERS):
        raise Http404
    return get_object_or_404(selectors.role_list(request.user), pk=pk)


@require_GET
@login_required
def role_detail(request, pk):
    role = _visible_role(request, pk)
    groups = RoleForm(initial={"permissions": role.permissions}).permission_groups()
    context = {
        "role": role,
        "groups": [g for g in groups if any(i["checked"] for i in g["items"])],
        "can": _can(request, perms.MANAGE_ROLE, perms.VIEW_ROLE_ASSIGNMENT),
    }
    return render(request, "accounts/manage/role_detail.html", context)


@require_http_methods(["GET", "POST"])
@permission_required(perms.MANAGE_ROLE)
def role_create(request):
    form = RoleForm(_posted(request), reserved=role_services.reserved_permissions())
    if request.method == "POST" and form.is_valid():
        role = _submit(form, lambda data: role_services.role_create(actor=request.user, **data))
        if role:
            messages.success(request, f"已创建角色“{role.name}”。")
            return redirect("manage:role_detail", pk=role.pk)
    return render(request, "accounts/manage/role_form.html", {"form": form, "creating": True})


def _editable_role(request, pk):
    if not has_permission(request.user, perms.MANAGE_ROLE):
        raise Http404
    return get_object_or_404(Role, pk=pk)


@require_http_methods(["GET", "POST"])
@login_required
def role_edit(request, pk):
    role = _editable_role(request, pk)
    if role.is_builtin or role.admin_kind:
        messages.info(request, f"“{role.name}”是内置角色，只能查看。")
        return redirect("manage:role_detail", pk=role.pk)
    initial = {"name": role.name, "description": role.description, "permissions": role.permissions}
    form = RoleForm(
        _posted(request),
        initial=initial,
        reserved=role_services.reserved_permissions(),
        editing=True,
    )
    if request.method == "POST" and form.is_valid():
        call = lambda data: role_services.role_update(actor=request.user, role=role, **data)  # noqa: E731
        if _submit(form, call):
            messages.success(request, f"已保存角色“{role.name}”。")
            return redirect("manage:role_detail", pk=role.pk)
    return render(request, "accounts/manage/role_form.html", {"form": form, "role": role})


@require_POST
@login_required
def role_delete(request, pk):
    role = _editable_role(request, pk)
    try:
        role_services.role_delete(actor=request.user, role=role)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("manage:role_detail", pk=role.pk)
    messages.success(request, f"已删除角色“{role.name}”。")
    return redirect("manage:roles")


# ---------------------------------------------------------------- grants


@require_GET
@permission_required(perms.VIEW_ROLE_ASSIGNMENT, perms.GRANT_ROLE)
def grant_list(request):
    filters = _grant_filters(request)
    assignments = selectors.assignment_list(request.user, **filters["selected"])
    context = paginate(request, assignments, PAGE_SIZE)
    context.update(filters)
    context["can"] = _can(request, perms.GRANT_ROLE)
    return render(request, "accounts/manage/grant_list.html", context)


def _grant_filters(request) -> dict:
    """Role, user and organisation filters; ids outside the actor's view are simply ignored."""
    from dangjian.orgs.models import Organization

    actor, ids = request.user, {k: _int(request.GET.get(k)) for k in ("role", "user", "org")}
    users = selectors.users_visible_to(actor, perms.VIEW_USER)
    organizations = Organization.objects.visible_to(actor, perms.VIEW_ROLE_ASSIGNMENT)
    query = request.GET.get("q", "")
    selected = {
        "role": Role.objects.filter(pk=ids["role"]).first() if ids["role"] else None,
        "user": users.filter(pk=ids["user"]).first() if ids["user"] else None,
        "organization": organizations.filter(pk=ids["org"]).first() if ids["org"] else None,
        "query": query,
    }
    roles = Role.objects.order_by("-is_builtin", "name")
    return {"roles": roles, "query": query, "selected": selected}


def _int(value) -> int | None:
    return parse_id(value)


@require_http_methods(["GET", "POST"])
@permission_required(perms.GRANT_ROLE)
def grant_create(request):
    initial = {key: request.GET.get(key) for key in ("user", "role", "organization")}
    form = GrantForm(_posted(request), actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        done = _submit(form, lambda data: grant_services.role_grant(actor=request.user, **data))
        if done:
            messages.success(request, f"已授予 {done.user}“{done.role.name}”@{done.organization}。")
            return redirect("manage:grants")
    return render(request, "accounts/manage/grant_form.html", {"form": form})


@require_GET
@permission_required(perms.GRANT_ROLE)
def grant_user_options(request):
    users = selectors.grantable_users(request.user, request.GET.get("user_q", ""))
    options = [(u.pk, f"{u.display_name}（{u.username}）") for u in users[:OPTION_LIMIT]]
    return _options(request, options, "请选择用户")


@require_GET
@permission_required(perms.GRANT_ROLE)
def grant_org_options(request):
    organizations = selectors.grantable_organizations(request.user, request.GET.get("org_q", ""))
    options = [(o.pk, o.name) for o in organizations[:OPTION_LIMIT]]
    return _options(request, options, "请选择组织")


def _options(request, options, empty_label):
    context = {"options": options, "empty_label": empty_label, "limit": OPTION_LIMIT}
    return render(request, "accounts/manage/_options.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def grant_revoke(request, pk):
    visible = RoleAssignment.objects.select_related("user", "role", "organization")
    assignment = get_visible_or_404(visible, request.user, perms.GRANT_ROLE, pk=pk)
    form = RevokeForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        call = lambda data: grant_services.role_revoke(  # noqa: E731
            actor=request.user, assignment=assignment, reason=data["reason"]
        )
        _submit(form, call)
        if not form.errors:
            messages.success(request, f"已收回 {assignment}。")
            return redirect("manage:grants")
    return render(request, "accounts/manage/grant_revoke.html", {"form": form, "a": assignment})


# ---------------------------------------------------------------- security policy


@require_GET
@login_required
def security_policy(request):
    rows = selectors.security_policy(request.user)
    if not rows:
        raise PermissionDenied
    return render(request, "accounts/manage/policy_list.html", {"rows": rows})


def _security_rule(request, key):
    if not selectors.editable_rule(request.user, key):
        raise Http404
    try:
        return rules.definition(key)
    except KeyError as exc:
        raise Http404 from exc


@require_http_methods(["GET", "POST"])
@login_required
def security_rule(request, key):
    definition = _security_rule(request, key)
    form = RuleChangeForm(_posted(request), definition=definition)
    if request.method == "POST" and form.is_valid():
        call = lambda data: rule_set(actor=request.user, key=key, **data)  # noqa: E731
        version = _submit(form, call)
        if version:
            day, value = f"{version.valid_from:%Y-%m-%d}", f"{version.value}{definition.unit}"
            messages.success(request, f"“{definition.label}”将自 {day} 起取 {value}。")
            return redirect("manage:security_policy")
    context = {
        "definition": definition,
        "current": rules.rule_value(key),
        "source": rules.rule_source(key),
        "history": selectors.rule_history(key),
        "form": form,
    }
    return render(request, "accounts/manage/policy_rule.html", context)

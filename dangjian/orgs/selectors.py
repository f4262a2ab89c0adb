"""Reads of the organisation tree. Every one starts from the user's scope (`visible_to`).

Nothing here loads the whole tree: the tree page shows the user's grant roots and loads a node's
children on demand, one query each; search and pickers paginate or cap in the database.
"""

from django.db.models import Max, Prefetch, Q, QuerySet

from dangjian.core.rules import rule_value
from dangjian.core.scope import minimal_prefixes, scope_of
from dangjian.members.models import Person
from dangjian.orgs import rules
from dangjian.orgs.counts import HELD_STATUSES
from dangjian.orgs.models import BRANCH_TYPES, Committee, CommitteePost, Organization, OrgType, Unit
from dangjian.orgs.permissions import MANAGE_ORGANIZATION, MANAGE_UNIT, VIEW_ORGANIZATION

STEP = Organization.steplen
NODE_FIELDS = (
    "pk",
    "path",
    "depth",
    "numchild",
    "org_type",
    "name",
    "short_name",
    "code",
    "member_count",
    "is_active",
    "sort_order",
)
PICKER_LIMIT = 20


def ancestor_paths(path: str) -> list[str]:
    """The paths of a node's ancestors, root first (the node itself excluded)."""
    return [path[:end] for end in range(STEP, len(path), STEP)]


def subtree_height(organization: Organization) -> int:
    """How many levels the organisation's subtree spans (1 for a leaf)."""
    deepest = Organization.objects.filter(path__startswith=organization.path).aggregate(
        deepest=Max("depth")
    )["deepest"]
    return (deepest or organization.depth) - organization.depth + 1


def organizations_visible_to(user, permission: str = VIEW_ORGANIZATION) -> QuerySet:
    return Organization.objects.visible_to(user, permission)


def _matching(queryset: QuerySet, query: str) -> QuerySet:
    query = (query or "").strip()
    if not query:
        return queryset
    return queryset.filter(
        Q(name__icontains=query) | Q(short_name__icontains=query) | Q(code__icontains=query)
    )


# ---------------------------------------------------------------- the tree page


def tree_roots(user) -> list[Organization]:
    """The organisations at the top of the user's grants (their minimal path prefixes)."""
    prefixes = minimal_prefixes(scope_of(user).paths_for(VIEW_ORGANIZATION))
    if not prefixes:
        return []
    return list(
        Organization.objects.filter(path__in=prefixes)
        .only(*NODE_FIELDS)
        .order_by("sort_order", "path")
    )


def children_of(user, parent: Organization) -> QuerySet:
    """A node's children in the user's scope, in one query (index range on the path)."""
    return (
        organizations_visible_to(user)
        .filter(depth=parent.depth + 1, path__range=parent._get_children_path_interval(parent.path))
        .only(*NODE_FIELDS)
        .order_by("sort_order", "path")
    )


def children_of_many(user, parents) -> dict[int, list[Organization]]:
    """The children of several nodes in one query (the grant roots shown opened)."""
    parents = list(parents)
    if not parents:
        return {}
    condition = Q()
    for parent in parents:
        interval = parent._get_children_path_interval(parent.path)
        condition |= Q(depth=parent.depth + 1, path__range=interval)
    rows = organizations_visible_to(user).filter(condition).only(*NODE_FIELDS)
    by_path = {parent.path: [] for parent in parents}
    for row in rows.order_by("sort_order", "path"):
        by_path[row.path[:-STEP]].append(row)
    return {parent.pk: by_path[parent.path] for parent in parents}


def organization_search(user, query: str) -> QuerySet:
    """Organisations in scope whose full name, short name or code contains the text."""
    return _matching(organizations_visible_to(user), query).only(*NODE_FIELDS).order_by("path")


def visible_ancestors_of_many(user, organizations) -> dict[int, list[Organization]]:
    """For each organisation, its ancestors that the user may see, root first (one query)."""
    organizations = list(organizations)
    wanted = {path for org in organizations for path in ancestor_paths(org.path)}
    found = {}
    if wanted:
        rows = organizations_visible_to(user).filter(path__in=wanted)
        found = {row.path: row for row in rows.only("pk", "path", "name", "short_name")}
    return {
        org.pk: [found[path] for path in ancestor_paths(org.path) if path in found]
        for org in organizations
    }


def visible_ancestors(user, organization: Organization) -> list[Organization]:
    return visible_ancestors_of_many(user, [organization])[organization.pk]


# ---------------------------------------------------------------- the detail page


def committees_of(organization: Organization) -> list[Committee]:
    """All terms, newest first, each with its posts (current holders first) and their people."""
    posts = CommitteePost.objects.select_related("person").order_by(
        "ended_on", "sort_order", "started_on", "pk"
    )
    return list(
        Committee.objects.filter(organization=organization)
        .prefetch_related(Prefetch("posts", queryset=posts))
        .order_by("-is_current", "-term_start", "-pk")
    )


def history_of(organization: Organization, limit: int = 50):
    return organization.history.select_related("actor", "other")[:limit]


# ---------------------------------------------------------------- pickers and choices


def move_targets(user, organization: Organization, query: str = "") -> QuerySet:
    """Where the organisation may move: active, in the user's management scope, a fitting type,
    outside its own subtree, not its current parent, and shallow enough for its subtree."""
    room = rule_value(rules.MAX_DEPTH) - subtree_height(organization)
    candidates = (
        organizations_visible_to(user, MANAGE_ORGANIZATION)
        .filter(
            is_active=True,
            org_type__in=rules.parent_types_for(organization.org_type),
            depth__lte=room,
        )
        .exclude(path__startswith=organization.path)
        .exclude(path=organization.path[:-STEP])
    )
    return _matching(candidates, query).only(*NODE_FIELDS).order_by("path")


def merge_targets(user, organization: Organization, query: str = "") -> QuerySet:
    """Branches the branch may merge into: active branches in the user's management scope."""
    candidates = (
        organizations_visible_to(user, MANAGE_ORGANIZATION)
        .filter(is_active=True, org_type__in=BRANCH_TYPES)
        .exclude(pk=organization.pk)
    )
    return _matching(candidates, query).only(*NODE_FIELDS).order_by("path")


def eligible_units(organization: Organization) -> QuerySet:
    """Units an organisation may cover: active ones owned by itself or one of its ancestors."""
    paths = [*ancestor_paths(organization.path), organization.path]
    return Unit.objects.filter(owner__path__in=paths, is_active=True).order_by("sort_order", "name")


def eligible_people(organization: Organization, query: str = "") -> QuerySet:
    """People who may hold a post: members still held by the organisation or its subtree; for a
    党小组 (whose 组长 is one of its members), the members organised in it."""
    if organization.org_type == OrgType.GROUP:
        people = Person.objects.filter(membership__party_group=organization)
    else:
        people = Person.objects.filter(membership__organization__path__startswith=organization.path)
    people = people.filter(membership__status__in=HELD_STATUSES)
    query = (query or "").strip()
    if query:
        people = people.filter(Q(name__icontains=query) | Q(work_number__icontains=query))
    return people.order_by("name", "pk")


# ---------------------------------------------------------------- units


def units_visible_to(user, query: str = "") -> QuerySet:
    units = Unit.objects.visible_to(user, MANAGE_UNIT).select_related("owner")
    query = (query or "").strip()
    if query:
        units = units.filter(Q(name__icontains=query) | Q(code__icontains=query))
    return units.order_by("owner__path", "sort_order", "name")


def unit_owner_choices(user) -> QuerySet:
    """Organisations that may own units: active 党委, 党总支 and 党支部 (a mine often has one
    branch per 区队) in the user's unit scope — every type but the 党小组, as `unit_create` says."""
    return (
        organizations_visible_to(user, MANAGE_UNIT)
        .filter(is_active=True)
        .exclude(org_type=OrgType.GROUP)
        .only(*NODE_FIELDS)
        .order_by("path")
    )

"""Who may read a published portal item (domain §8.4 scopes: 向社会公开 / 党内公开 / chosen
organisations). One test for every channel — lists, pages, search, attachments, media, feeds
and the API:

    Article.objects.filter(readable(request.user))            # Q, usable in any queryset
    articles_readable_by(request.user)                         # the live, readable articles
    get_readable_article_or_404(request.user, pk=...)

A viewer's *organisations* are the organisation of their own party membership (User.person →
Member.organization) and the organisations of their role assignments. An item limited to
organisations X, Y is readable when one of the viewer's organisations lies inside X's or Y's
subtree, i.e. one of the item's audience paths is a prefix of a viewer path. The prefixes of
a path are known in Python (4 characters a level), so the test is one indexed `path IN (…)`
inside an EXISTS — no LIKE, no join that grows with the audience.

`visibility_class(user)` names the set of items a viewer can read ("anon", "members" or a
hash of their prefixes); pages cache per class (the home page), never per user.
"""

from __future__ import annotations

import hashlib

from django.apps import apps
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone

from dangjian.core.scope import scope_of
from dangjian.portal.models import Visibility

STEP = 4  # treebeard steplen of orgs.Organization
_CACHE_ATTR = "_dangjian_portal_prefixes"


def viewer_paths(user) -> tuple[str, ...]:
    """The paths of the viewer's own organisations (membership and role assignments)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ()
    paths = {grant.path for grant in scope_of(user).grants}
    person_id = getattr(user, "person_id", None)
    if person_id:
        member_model = apps.get_model("members", "Member")
        path = (
            member_model.objects.filter(person_id=person_id)
            .values_list("organization__path", flat=True)
            .first()
        )
        if path:
            paths.add(path)
    return tuple(sorted(paths))


def viewer_prefixes(user) -> tuple[str, ...]:
    """Every ancestor-or-self path of the viewer's organisations (cached on the user)."""
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    prefixes = set()
    for path in viewer_paths(user):
        for end in range(STEP, len(path) + 1, STEP):
            prefixes.add(path[:end])
    result = tuple(sorted(prefixes))
    if user is not None and getattr(user, "is_authenticated", False):
        setattr(user, _CACHE_ATTR, result)
    return result


def visibility_class(user) -> str:
    """A short name for "what this viewer may read", for cache keys."""
    if user is None or not user.is_authenticated or not user.is_active:
        return "anon"
    prefixes = viewer_prefixes(user)
    if not prefixes:
        return "members"
    digest = hashlib.blake2s(",".join(prefixes).encode(), digest_size=8).hexdigest()
    return f"o{digest}"


def readable(user, model=None, prefix: str = "") -> Q:
    """The Q of items `user` may read by their visibility (status and dates not included).
    `model` is the model holding `visibility` and `audience` (Article by default); `prefix`
    reaches it through a relation (`"article__"`)."""
    model = model or apps.get_model("portal", "Article")
    public = Q(**{f"{prefix}visibility": Visibility.PUBLIC})
    if user is None or not user.is_authenticated or not user.is_active:
        return public
    condition = public | Q(**{f"{prefix}visibility": Visibility.MEMBERS})
    prefixes = viewer_prefixes(user)
    if prefixes:
        through = model.audience.through
        owner_column = f"{model._meta.model_name}_id"
        inside = through.objects.filter(
            **{owner_column: OuterRef(f"{prefix}pk")},
            organization__path__in=prefixes,
        )
        condition |= Q(**{f"{prefix}visibility": Visibility.ORGANIZATIONS}) & Exists(inside)
    return condition


def live(prefix: str = "", now=None) -> Q:
    """Published and not yet expired."""
    now = now or timezone.now()
    article = apps.get_model("portal", "Article")
    return Q(**{f"{prefix}status": article.Status.PUBLISHED}) & (
        Q(**{f"{prefix}expire_at__isnull": True}) | Q(**{f"{prefix}expire_at__gt": now})
    )


def articles_readable_by(user, now=None):
    """The live articles `user` may read, on active sites."""
    article = apps.get_model("portal", "Article")
    return article.objects.filter(
        live(now=now), readable(user), site__is_active=True, column__is_active=True
    )


def get_readable_article_or_404(user, **lookup):
    try:
        return articles_readable_by(user).get(**lookup)
    except (apps.get_model("portal", "Article").DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def can_read(user, item) -> bool:
    """The same test for one loaded item (an article, a download item or folder)."""
    if item.visibility == Visibility.PUBLIC:
        return True
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if item.visibility == Visibility.MEMBERS:
        return True
    prefixes = set(viewer_prefixes(user))
    return any(path in prefixes for path in item.audience.values_list("path", flat=True))

"""The portal's page cache: fragments are cached per site and visibility class under a
version number; any change that could alter what a reader sees (publish, withdraw, expiry,
an edit of a live article, a block or column change) bumps the version, so every cached
fragment of every site is stale at once and rebuilt on the next request.

    key = fragment_key("home", site.pk, visibility_class(user))
    html = cache.get(key) … cache.set(key, html, TTL)
    invalidate()                                    # after commit of a change
"""

from django.core.cache import cache

VERSION_KEY = "portal:version"
TTL_SECONDS = 300  # a backstop only; invalidation is what keeps pages current


def version() -> int:
    current = cache.get(VERSION_KEY)
    if current is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        current = cache.get(VERSION_KEY) or 1
    return current


def invalidate() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 2, timeout=None)


def fragment_key(name: str, *parts) -> str:
    return ":".join(["portal", str(version()), name, *(str(part) for part in parts)])

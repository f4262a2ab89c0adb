"""Links that come from data (notification targets, job results) before they reach an href."""

from django.utils.http import url_has_allowed_host_and_scheme


def safe_local_path(url: str) -> str:
    """`url` if it is a path on this site ("/orgs/12/"), else "" — never a redirect elsewhere."""
    url = (url or "").strip()
    if not url.startswith("/") or url.startswith(("//", "/\\")):
        return ""
    if not url_has_allowed_host_and_scheme(url, allowed_hosts=set(), require_https=False):
        return ""
    return url

"""Menu entry of the portal back-end (imported by portal/navigation.py)."""

from dangjian.core.navigation import Entry, add
from dangjian.portal.permissions import MANAGE_SITE

add(Entry("exchange", "站点与栏目", "portal:manage_sites", MANAGE_SITE, order=90))

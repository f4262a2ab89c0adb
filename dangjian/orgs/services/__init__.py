"""Writes of the organisation tree: organisations, committees (班子) and administrative units.

Every function is keyword-only, runs in one transaction, validates its input with Chinese messages
(`ServiceError` / `RuleViolation`) and writes one audit entry, so a refused call changes nothing.

Permission pattern (shared with the accounts and core services): the organisation acted on — and,
for a create or a move, the new parent — must lie in the actor's scope for the permission
(`orgs.manage_organization`, `orgs.manage_committee`, `orgs.manage_unit`); otherwise the service
raises `Http404`, exactly as for a missing object. Creating a root needs the permission on a root.
"""

from dangjian.orgs.counts import organization_refresh_counts
from dangjian.orgs.services.committees import (
    committee_create,
    committee_post_add,
    committee_post_end,
    default_term_years,
)
from dangjian.orgs.services.common import UNCHANGED
from dangjian.orgs.services.organizations import (
    organization_create,
    organization_dissolve,
    organization_merge,
    organization_move,
    organization_set_units,
    organization_update,
)
from dangjian.orgs.services.units import unit_create, unit_update

__all__ = [
    "UNCHANGED",
    "committee_create",
    "committee_post_add",
    "committee_post_end",
    "default_term_years",
    "organization_create",
    "organization_dissolve",
    "organization_merge",
    "organization_move",
    "organization_refresh_counts",
    "organization_set_units",
    "organization_update",
    "unit_create",
    "unit_update",
]

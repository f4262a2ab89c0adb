"""Forms of the member-record pages: the person and membership record, documents, rewards.

The forms only parse input; `record_save` and the services in `services/records.py` validate
and decide, and their problems come back as field errors in Chinese. Every choice of an
organisation, a 党小组 or a unit comes from the actor's `members.manage_member` scope, and long
lists render a short head plus a search box (`core.forms.limit_rendered_choices`), so the form
stays small with 10 000 organisations.

By sub-domain: `record` (the person and membership record form), `pickers` (the choices in the
actor's scope and their search), `files` (documents, rewards and punishments) and `base` (the
form base they share). The names other modules use are re-exported here.
"""

from __future__ import annotations

from dangjian.members.forms.base import RecordBaseForm
from dangjian.members.forms.files import DOCUMENT_MAX_BYTES, DocumentForm, RewardForm
from dangjian.members.forms.pickers import (
    OrganizationChoiceField,
    record_organizations,
    record_party_groups,
    record_units,
    search,
)
from dangjian.members.forms.record import (
    OPTION_LIMIT,
    PHOTO_MAX_BYTES,
    SECTIONS,
    SENSITIVE,
    MemberRecordForm,
    Section,
)

__all__ = [
    "DOCUMENT_MAX_BYTES",
    "OPTION_LIMIT",
    "PHOTO_MAX_BYTES",
    "SECTIONS",
    "SENSITIVE",
    "DocumentForm",
    "MemberRecordForm",
    "OrganizationChoiceField",
    "RecordBaseForm",
    "RewardForm",
    "Section",
    "record_organizations",
    "record_party_groups",
    "record_units",
    "search",
]

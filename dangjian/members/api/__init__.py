"""`/api/v1/members/`, `/api/v1/people/` and `/api/v1/member-imports/`: member records over the API.

* Members are listed with the list page's own selector (`selectors.filtered_members`), so the
  filters and the search (name, full pinyin or initials, work number, full ID number) answer the
  same rows in both places. A member outside the caller's scope answers 404.
* The ID number, mobile and address are always masked. The full value of one field comes only
  from `POST /members/{id}/reveal/`, for holders of `members.reveal_sensitive` over that member,
  and every reveal is an audit entry (decision API-1).
* Writes go through `services.people.record_save`, whose problems answer 400 with
  `details = {field: [Chinese reason]}`. There is no delete: a member leaves through a 党籍
  status change.
* Imports use the import services; the list, the uploads and the progress fields live here,
  the work (validation, writing, undo) in `members.importing`.

The code is split by sub-domain: `members` (the member list, records and reveal), `people` (the
read-only people list), `imports` (import batches and their Excel files) and `common` (the
selectors and serializer pieces they share). `routes` is what `dangjian.api_urls` registers.
"""

from __future__ import annotations

from dangjian.members.api.imports import ImportBatchViewSet
from dangjian.members.api.members import MemberViewSet
from dangjian.members.api.people import PersonViewSet

routes = [
    ("members", MemberViewSet, "member"),
    ("people", PersonViewSet, "person"),
    ("member-imports", ImportBatchViewSet, "member-import"),
]

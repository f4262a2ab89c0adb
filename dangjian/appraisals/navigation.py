from dangjian.appraisals.permissions import VIEW_APPRAISAL
from dangjian.core.navigation import Entry, add


def _is_a_person(user) -> bool:
    """Only accounts linked to a person can take part (no query: the id is on the user row)."""
    return bool(getattr(user, "person_id", None))


add(Entry("office", "民主评议", "appraisals:list", VIEW_APPRAISAL, order=60))
add(Entry("office", "我的评议", "appraisals:mine", None, order=61, visible=_is_a_person))

from dangjian.core.navigation import Entry, add
from dangjian.dues.permissions import APPROVE_HARDSHIP, MANAGE_DUES, VIEW_DUES


def _linked_to_a_person(user) -> bool:
    # No query: the menu is built on every page. The page itself checks the membership.
    return bool(getattr(user, "person_id", None))


add(Entry("office", "党费收缴", "dues:home", VIEW_DUES, order=50))
add(Entry("office", "缴费基数", "dues:bases", MANAGE_DUES, order=51))
add(Entry("office", "党费减免", "dues:hardships", any_of=(MANAGE_DUES, APPROVE_HARDSHIP), order=52))
add(Entry("office", "欠缴党费", "dues:arrears", VIEW_DUES, order=53))
add(Entry("office", "党费收支公开", "dues:statements", VIEW_DUES, order=54))
add(Entry("office", "我的党费", "dues:mine", order=55, visible=_linked_to_a_person))

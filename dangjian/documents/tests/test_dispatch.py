"""The distribution of an issued document: one receipt per recipient, 主送 over 抄送, no
receipt for the issuer, 党小组 only when asked for, copy numbers in tree order."""

from dangjian.documents.models import Receipt
from dangjian.documents.testing import issue_now


def test_a_subtree_reaches_every_organisation_but_the_issuer_and_the_groups(dw):
    document = issue_now(dw, subtree=dw.mine)
    holders = list(document.receipts.order_by("copy_no").values_list("organization", flat=True))
    assert holders == [dw.branch1.pk, dw.branch2.pk]
    assert document.recipient_count == 2
    assert document.number == f"一矿党〔{document.year}〕1号"


def test_main_wins_over_copy_and_people_get_their_own_copy(dw):
    document = issue_now(dw, to=[dw.branch1], copy_to=[dw.branch1, dw.branch2], people=[dw.mia])
    rows = {
        (r.organization_id, r.user_id): r.role for r in Receipt.objects.filter(document=document)
    }
    assert rows == {
        (dw.branch1.pk, None): "main",
        (dw.branch2.pk, None): "copy",
        (None, dw.mia.pk): "main",
    }


def test_numbers_follow_each_other_per_prefix_and_year(dw):
    first = issue_now(dw, to=[dw.branch1])
    second = issue_now(dw, to=[dw.branch1])
    assert second.serial == first.serial + 1

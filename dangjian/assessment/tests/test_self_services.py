"""services/selfcheck.py: each rule of the target's side — self scores within the leaf's rule,
the period and submission gates, evidence checked by real content and size, submission listing
what is missing, a returned leaf resubmitted and its scorers told."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dangjian.assessment.models import Evidence, LeafScore, Period, Scorecard
from dangjian.assessment.services import selfcheck as svc
from dangjian.assessment.testing import card_of, leaf, make_period
from dangjian.audit.models import AuditEntry
from dangjian.core.exceptions import ServiceError
from dangjian.core.uploads import MB
from dangjian.notifications.models import Notification

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png_bytes(color=(200, 30, 30)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(buffer, format="PNG")
    return buffer.getvalue()


def docx_bytes(*paragraphs, table=None) -> bytes:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["姓名", "次数"])
    book.active.append(["<b>张三</b>", 2])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def setup(aw):
    period = make_period(aw)
    return aw, period, card_of(period, aw.branch1)


def fill_all(aw, period, card, *, files=True):
    """Self-check every leaf of the test sheet (and one photo each)."""
    t = period.template
    svc.leaf_self_check(actor=aw.bob, card=card, indicator=leaf(t, "1.1.1"), occurrences=1)
    svc.leaf_self_check(actor=aw.bob, card=card, indicator=leaf(t, "1.1.2"), achieved=True)
    svc.leaf_self_check(actor=aw.bob, card=card, indicator=leaf(t, "2.1.1"), level="较好")
    svc.leaf_self_check(actor=aw.bob, card=card, indicator=leaf(t, "2.1.2"), achieved=True)
    svc.leaf_self_check(actor=aw.bob, card=card, indicator=leaf(t, "3.1.1"), occurrences=0)
    svc.leaf_self_check(actor=aw.bob, card=card, indicator=leaf(t, "4.1.1"), occurrences=3)
    if files:
        for code in ("1.1.1", "1.1.2", "2.1.1", "2.1.2", "3.1.1", "4.1.1"):
            svc.evidence_upload(
                actor=aw.bob, card=card, indicator=leaf(t, code), file=upload("a.png", png_bytes())
            )


# ------------------------------------------------------------------ self score


def test_a_deduction_leaf_takes_occurrences_and_floors_at_zero(setup):
    aw, period, card = setup
    ind = leaf(period.template, "1.1.1")  # 5 points, 1 per missing meeting, 扣完为止
    row = svc.leaf_self_check(
        actor=aw.bob, card=card, indicator=ind, occurrences=2, self_note="缺两次党课"
    )
    assert row.self_points == Decimal("3.00")
    assert row.status == LeafScore.Status.SELF_DONE
    assert row.self_note == "缺两次党课"
    row = svc.leaf_self_check(actor=aw.bob, card=card, indicator=ind, occurrences=9)
    assert row.self_points == Decimal("0.00")
    card.refresh_from_db()
    assert card.self_done_count == 1
    assert AuditEntry.objects.filter(action="assessment.self_check").count() == 2


def test_the_self_score_stays_within_the_rule(setup):
    aw, period, card = setup
    t = period.template
    with pytest.raises(ServiceError, match="超出范围"):
        svc.leaf_self_check(actor=aw.bob, card=card, indicator=leaf(t, "1.1.1"), self_points=6)
    with pytest.raises(ServiceError, match="只能评"):
        svc.leaf_self_check(actor=aw.bob, card=card, indicator=leaf(t, "1.1.2"), self_points=1)
    with pytest.raises(ServiceError, match="档次"):
        svc.leaf_self_check(actor=aw.bob, card=card, indicator=leaf(t, "2.1.1"), level="优")
    bonus = svc.leaf_self_check(actor=aw.bob, card=card, indicator=leaf(t, "4.1.1"), occurrences=5)
    assert bonus.self_points == Decimal("2.00")  # capped at the leaf's bonus_cap
    graded = svc.leaf_self_check(actor=aw.bob, card=card, indicator=leaf(t, "2.1.1"), level="一般")
    assert graded.self_points == Decimal("1.00")
    assert LeafScore.objects.filter(scorecard=card).count() == 2  # refusals wrote nothing


def test_only_the_target_side_and_only_while_the_period_is_open(setup):
    aw, period, card = setup
    ind = leaf(period.template, "1.1.1")
    for outsider in (aw.cora, aw.pete, aw.mia):
        with pytest.raises(ServiceError, match="自查人"):
            svc.leaf_self_check(actor=outsider, card=card, indicator=ind, occurrences=0)
    Period.objects.filter(pk=period.pk).update(status=Period.Status.LOCKED)
    card = card_of(period, aw.branch1)
    with pytest.raises(ServiceError, match="已审核锁定"):
        svc.leaf_self_check(actor=aw.bob, card=card, indicator=ind, occurrences=0)
    assert not LeafScore.objects.exists()


def test_a_leaf_of_another_template_is_refused(setup, aw):
    card = setup[2]
    from dangjian.assessment.testing import make_template

    other = make_template(aw, name="另一套")
    with pytest.raises(ServiceError, match="不是本考核表"):
        svc.leaf_self_check(actor=aw.bob, card=card, indicator=leaf(other, "1.1.1"), occurrences=0)


def test_after_submission_only_a_returned_leaf_changes(setup):
    aw, period, card = setup
    fill_all(aw, period, card)
    svc.card_submit(actor=aw.bob, card=card)
    t = period.template
    with pytest.raises(ServiceError, match="自查已提交"):
        svc.leaf_self_check(actor=aw.bob, card=card, indicator=leaf(t, "1.1.1"), occurrences=0)
    LeafScore.objects.filter(scorecard=card, indicator=leaf(t, "1.1.1")).update(
        status=LeafScore.Status.RETURNED, return_message="请补充会议记录"
    )
    row = svc.leaf_self_check(actor=aw.bob, card=card, indicator=leaf(t, "1.1.1"), occurrences=0)
    assert row.self_points == Decimal("5.00")
    assert row.status == LeafScore.Status.RETURNED  # until resubmitted


def test_a_scored_leaf_is_not_self_checked_again(setup):
    aw, period, card = setup
    ind = leaf(period.template, "1.1.1")
    LeafScore.objects.create(
        scorecard=card, indicator=ind, status=LeafScore.Status.SCORED, points=Decimal("4")
    )
    with pytest.raises(ServiceError, match="已评分"):
        svc.leaf_self_check(actor=aw.bob, card=card, indicator=ind, occurrences=0)


# ------------------------------------------------------------------ evidence


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("现场照片.png", "png"),
        ("会议记录.pdf", "pdf"),
        ("会议记录.docx", "docx"),
    ],
)
def test_evidence_of_the_kinds_the_leaf_asks_for(setup, name, content):
    aw, period, card = setup
    data = {"png": png_bytes, "pdf": lambda: PDF_BYTES, "docx": lambda: docx_bytes("记录")}[
        content
    ]()
    evidence = svc.evidence_upload(
        actor=aw.bob, card=card, indicator=leaf(period.template, "1.1.1"), file=upload(name, data)
    )
    assert evidence.title == name
    assert evidence.file_kind == {"png": "png", "pdf": "pdf", "docx": "docx"}[content]
    assert evidence.stage == Evidence.Stage.SELF_CHECK
    assert evidence.leaf.indicator.code == "1.1.1"
    card.refresh_from_db()
    assert card.evidence_count == 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("照片.png", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200, "无法识别的格式"),
        ("记录.pdf", b"<html><script>alert(1)</script></html>", "无法识别的格式"),
        ("表格.xlsx", "xlsx", "Excel"),
    ],
)
def test_evidence_of_other_kinds_is_refused(setup, name, content, message):
    aw, period, card = setup
    data = xlsx_bytes() if content == "xlsx" else content
    with pytest.raises(ServiceError, match=message):
        svc.evidence_upload(
            actor=aw.bob,
            card=card,
            indicator=leaf(period.template, "1.1.1"),
            file=upload(name, data),
        )
    assert not Evidence.objects.exists()
    assert Scorecard.objects.get(pk=card.pk).evidence_count == 0


def test_evidence_over_20_mb_is_refused(setup):
    aw, period, card = setup
    big = upload("大图.png", png_bytes())
    big.size = 20 * MB + 1
    with pytest.raises(ServiceError, match="20 MB"):
        svc.evidence_upload(
            actor=aw.bob, card=card, indicator=leaf(period.template, "1.1.1"), file=big
        )


def test_evidence_is_deleted_only_before_submission(setup):
    aw, period, card = setup
    t = period.template
    first = svc.evidence_upload(
        actor=aw.bob, card=card, indicator=leaf(t, "1.1.1"), file=upload("a.png", png_bytes())
    )
    with pytest.raises(ServiceError, match="自查人"):
        svc.evidence_delete(actor=aw.cora, evidence=first)
    svc.evidence_delete(actor=aw.bob, evidence=first)
    assert not Evidence.objects.filter(pk=first.pk).exists()
    assert Scorecard.objects.get(pk=card.pk).evidence_count == 0
    fill_all(aw, period, card)
    svc.card_submit(actor=aw.bob, card=card)
    kept = Evidence.objects.filter(scorecard=card).first()
    with pytest.raises(ServiceError, match="自查已提交"):
        svc.evidence_delete(actor=aw.bob, evidence=kept)
    assert Evidence.objects.filter(pk=kept.pk).exists()


# ------------------------------------------------------------------ submission


def test_submission_lists_the_missing_leaves_and_changes_nothing(setup):
    aw, period, card = setup
    t = period.template
    svc.leaf_self_check(actor=aw.bob, card=card, indicator=leaf(t, "1.1.1"), occurrences=0)
    with pytest.raises(ServiceError) as refused:
        svc.card_submit(actor=aw.bob, card=card)
    message = refused.value.messages[0]
    assert "1.1.1（缺佐证材料）" in message
    assert "1.1.2（未自查、缺佐证材料）" in message
    assert "共 6 项" in message
    card.refresh_from_db()
    assert card.status == Scorecard.Status.SELF_CHECK
    assert Period.objects.get(pk=period.pk).submitted_count == 0


def test_submission_of_a_complete_card_counts_once(setup):
    aw, period, card = setup
    fill_all(aw, period, card)
    card = svc.card_submit(actor=aw.bob, card=card)
    assert card.status == Scorecard.Status.SUBMITTED
    assert card.submitted_by == aw.bob
    assert card.self_total == Decimal("4") + 2 + 3 + 3 + 3 + 2  # 17
    assert Period.objects.get(pk=period.pk).submitted_count == 1
    with pytest.raises(ServiceError, match="无需重复提交"):
        svc.card_submit(actor=aw.bob, card=card)
    assert Period.objects.get(pk=period.pk).submitted_count == 1
    assert AuditEntry.objects.filter(action="assessment.card_submit").count() == 1


# ------------------------------------------------------------------ returned leaves


def test_a_returned_leaf_is_resubmitted_and_its_scorers_are_told(setup):
    aw, period, card = setup
    fill_all(aw, period, card)
    svc.card_submit(actor=aw.bob, card=card)
    t = period.template
    ind = leaf(t, "2.1.1")  # scored by 宣传部长 (pete)
    with pytest.raises(ServiceError, match="没有被退回"):
        svc.leaf_resubmit(actor=aw.bob, card=card, indicator=ind)
    LeafScore.objects.filter(scorecard=card, indicator=ind).update(
        status=LeafScore.Status.RETURNED, return_message="请补充宣传稿件截图"
    )
    with pytest.raises(ServiceError, match="自查人"):
        svc.leaf_resubmit(actor=aw.cora, card=card, indicator=ind)
    row = svc.leaf_resubmit(actor=aw.bob, card=card, indicator=ind, note="已补充截图")
    assert row.status == LeafScore.Status.SELF_DONE
    assert "已补充截图" in row.self_note
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert told == {"pete"}
    assert AuditEntry.objects.filter(action="assessment.leaf_resubmit").count() == 1


def test_scorers_of_a_leaf_with_one_query(setup, django_assert_num_queries):
    aw, period, card = setup
    t = period.template
    card = card_of(period, aw.branch1)
    card.organization  # noqa: B018 — loaded
    indicator = leaf(t, "3.1.1")
    with django_assert_num_queries(1):
        office = svc.scorers_of(card, indicator)
    assert office == [aw.oscar.pk]
    assert svc.scorers_of(card, leaf(t, "2.1.1")) == [aw.pete.pk]
    # A leaf without a role: the period managers over the branch (组织部 alice, not dave).
    assert svc.scorers_of(card, leaf(t, "4.1.1")) == [aw.alice.pk]


def test_the_department_is_not_the_target_side_of_a_branch_with_its_own_secretary(setup):
    """组织部 holds SELF_CHECK over the whole mine: it fills in for a branch without an account
    of its own, but not for 综采一队, whose secretary does it himself (nor may it appeal)."""
    from dangjian.assessment import access
    from dangjian.orgs.models import Organization, OrgType

    aw, period, card = setup
    assert access.is_target_side(aw.bob, card) and not access.is_target_side(aw.alice, card)
    with pytest.raises(ServiceError):
        svc.leaf_self_check(
            actor=aw.alice, card=card, indicator=leaf(period.template, "1.1.2"), achieved=True
        )
    assert not card.leaves.exists()
    orphan = Organization.objects.add_child(
        Organization.objects.get(pk=aw.mine.pk),
        {"org_type": OrgType.BRANCH, "name": "机关第九党支部", "code": "G-M1-ORPHAN"},
    )
    other = Scorecard.objects.create(
        period=period, organization=orphan, target_name=orphan.name, leaf_count=6
    )
    assert access.is_target_side(aw.alice, other) and not access.is_target_side(aw.bob, other)
    assert set(access.target_cards(aw.alice).values_list("pk", flat=True)) >= {other.pk}
    assert card.pk not in set(access.target_cards(aw.alice).values_list("pk", flat=True))
    assert set(access.target_cards(aw.bob).values_list("pk", flat=True)) == {card.pk}

"""The target's pages: scope (another branch gets 404 on the card and its files), the leaf
forms (htmx and plain), submission refused with the list, file serving and previews, appeal,
and query counts that do not grow with cards, leaves, scores or evidence."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from dangjian.assessment.models import (
    Appeal,
    Category,
    Evidence,
    Indicator,
    LeafScore,
    Period,
    RuleType,
    Scorecard,
    Template,
)
from dangjian.assessment.services import selfcheck as svc
from dangjian.assessment.testing import card_of, leaf, make_period
from dangjian.assessment.tests.test_self_services import (
    PDF_BYTES,
    docx_bytes,
    fill_all,
    png_bytes,
    upload,
    xlsx_bytes,
)


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def setup(aw):
    period = make_period(aw)
    return aw, period, card_of(period, aw.branch1)


def test_another_branch_gets_404_on_the_card_and_its_files(setup, client):
    aw, period, card = setup
    evidence = svc.evidence_upload(
        actor=aw.bob, card=card, indicator=leaf(period.template, "1.1.1"),
        file=upload("照片.png", png_bytes()),
    )  # fmt: skip
    ind = leaf(period.template, "1.1.1")
    login(client, aw.cora)
    for url in (
        reverse("assessment:card_self", args=[card.pk]),
        reverse("assessment:evidence_file", args=[evidence.pk]),
        reverse("assessment:evidence_preview", args=[evidence.pk]),
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        reverse("assessment:self_leaf_save", args=[card.pk, ind.pk]),
        reverse("assessment:self_submit", args=[card.pk]),
        reverse("assessment:self_evidence_delete", args=[evidence.pk]),
    ):
        assert client.post(url, {"occurrences": "0"}).status_code == 404, url
    assert Evidence.objects.filter(pk=evidence.pk).exists()
    # The scorer sees the file (the card is theirs to score) but not the target's page.
    login(client, aw.pete)
    assert client.get(reverse("assessment:evidence_file", args=[evidence.pk])).status_code == 200
    assert client.get(reverse("assessment:card_self", args=[card.pk])).status_code == 404
    login(client, aw.bob)
    page = client.get(reverse("assessment:card_self", args=[card.pk]))
    assert page.status_code == 200
    assert "已自查 0/6" in page.content.decode()


def test_a_member_without_the_role_has_no_my_cards(setup, client):
    aw, _, _ = setup
    login(client, aw.mia)
    assert client.get(reverse("assessment:my_cards")).status_code == 404


def test_saving_a_leaf_with_htmx_returns_the_leaf_and_the_bar(setup, client):
    aw, period, card = setup
    ind = leaf(period.template, "1.1.1")
    login(client, aw.bob)
    url = reverse("assessment:self_leaf_save", args=[card.pk, ind.pk])
    data = {"occurrences": "2", "note": "缺两次", "form_token": "a" * 32}
    response = client.post(url, data, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert f'id="leaf-{ind.pk}"' in body
    assert 'hx-swap-oob="true"' in body and "已自查 1/6" in body
    assert "自查 3 分" in body
    row = LeafScore.objects.get(scorecard=card, indicator=ind)
    assert row.self_points == Decimal("3.00")
    # The same form posted again (a double tap) writes nothing more.
    client.post(url, {**data, "occurrences": "4"}, HTTP_HX_REQUEST="true")
    row.refresh_from_db()
    assert row.self_points == Decimal("3.00")
    # A refusal comes back in the leaf card, nothing saved.
    response = client.post(
        url, {"occurrences": "-1", "form_token": "b" * 32}, HTTP_HX_REQUEST="true"
    )
    assert 'data-testid="leaf-error"' in response.content.decode()
    row.refresh_from_db()
    assert row.self_points == Decimal("3.00")


def test_upload_and_submit_without_htmx(setup, client):
    aw, period, card = setup
    login(client, aw.bob)
    ind = leaf(period.template, "1.1.1")
    response = client.post(
        reverse("assessment:self_evidence_upload", args=[card.pk, ind.pk]),
        {"file": upload("伪装.png", b"<html>x</html>"), "form_token": "c" * 32},
        follow=True,
    )
    assert "格式不对" in response.content.decode()
    assert not Evidence.objects.exists()
    response = client.post(
        reverse("assessment:self_submit", args=[card.pk]), {"form_token": "d" * 32}, follow=True
    )
    body = response.content.decode()
    assert "还不能提交" in body and "1.1.2（未自查、缺佐证材料）" in body
    fill_all(aw, period, card)
    response = client.post(
        reverse("assessment:self_submit", args=[card.pk]), {"form_token": "e" * 32}, follow=True
    )
    assert "自查已提交" in response.content.decode()
    assert Scorecard.objects.get(pk=card.pk).status == Scorecard.Status.SUBMITTED


def test_files_are_served_inline_only_as_pictures_and_pdf(setup, client):
    aw, period, card = setup
    ind = leaf(period.template, "1.1.1")
    png = svc.evidence_upload(
        actor=aw.bob, card=card, indicator=ind, file=upload("a.png", png_bytes())
    )
    pdf = svc.evidence_upload(
        actor=aw.bob, card=card, indicator=ind, file=upload("b.pdf", PDF_BYTES)
    )
    text = docx_bytes("会议<script>alert(1)</script>记录", table=[["议题", "<b>x</b>"]])
    doc = svc.evidence_upload(actor=aw.bob, card=card, indicator=ind, file=upload("c.docx", text))
    login(client, aw.bob)
    response = client.get(reverse("assessment:evidence_file", args=[png.pk]))
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    response = client.get(reverse("assessment:evidence_file", args=[pdf.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert client.get(reverse("assessment:evidence_preview", args=[pdf.pk])).url.endswith(
        reverse("assessment:evidence_file", args=[pdf.pk])
    )
    response = client.get(reverse("assessment:evidence_file", args=[doc.pk]))
    assert response["Content-Disposition"].startswith("attachment")
    body = client.get(reverse("assessment:evidence_preview", args=[doc.pk])).content.decode()
    assert "会议&lt;script&gt;alert(1)&lt;/script&gt;记录" in body
    assert "<script>alert(1)" not in body
    assert "&lt;b&gt;x&lt;/b&gt;" in body
    body = client.get(reverse("assessment:evidence_preview", args=[png.pk])).content.decode()
    assert 'data-testid="preview-image"' in body


def test_an_xlsx_preview_escapes_cells(aw):
    import io

    from dangjian.assessment import preview

    html = str(preview.xlsx_html(io.BytesIO(xlsx_bytes())))
    assert "&lt;b&gt;张三&lt;/b&gt;" in html and "<b>" not in html


def test_appeal_of_a_deducted_leaf_while_the_window_is_open(setup, client):
    aw, period, card = setup
    ind = leaf(period.template, "1.1.1")
    LeafScore.objects.create(
        scorecard=card, indicator=ind, status=LeafScore.Status.SCORED, points=Decimal("3"),
        self_points=Decimal("5"), reason="缺两次党课",
    )  # fmt: skip
    Period.objects.filter(pk=period.pk).update(
        status=Period.Status.PUBLISHED, appeal_until=timezone.now() + dt.timedelta(days=3)
    )
    login(client, aw.bob)
    page = client.get(reverse("assessment:card_self", args=[card.pk])).content.decode()
    assert reverse("assessment:appeal_new", args=[card.pk, ind.pk]) in page
    full = leaf(period.template, "1.1.2")
    assert reverse("assessment:appeal_new", args=[card.pk, full.pk]) not in page
    url = reverse("assessment:appeal_new", args=[card.pk, ind.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "reason": "第二次党课已于11月20日补上，附签到表",
            "files": [upload("签到表.pdf", PDF_BYTES)],
            "form_token": "f" * 32,
        },
        follow=True,
    )  # fmt: skip
    assert response.status_code == 200
    appeal = Appeal.objects.get()
    assert appeal.leaf.indicator == ind
    assert appeal.evidence.get().stage == Evidence.Stage.APPEAL
    page = client.get(reverse("assessment:card_self", args=[card.pk])).content.decode()
    assert "待裁定" in page and url not in page
    # After the window: no button and the page refuses.
    Period.objects.filter(pk=period.pk).update(appeal_until=timezone.now() - dt.timedelta(hours=1))
    Appeal.objects.all().delete()
    response = client.get(url, follow=True)
    assert "不在申诉期内" in response.content.decode()


# ------------------------------------------------------------------ query counts


def sheet_of(aw, leaves: int, name: str = "") -> Template:
    template = Template.objects.create(owner=aw.mine, name=name or f"考核{leaves}", year=2026)
    category = Indicator.objects.create(template=template, level=1, code="1", title="组织建设")
    item = Indicator.objects.create(
        template=template, parent=category, level=2, code="1.1", title="组织生活"
    )
    Indicator.objects.bulk_create(
        Indicator(
            template=template, parent=item, level=3, position=n, code=f"1.1.{n + 1}",
            title=f"细则{n + 1}", max_points=Decimal("5"), rule_type=RuleType.DEDUCTION,
            unit_points=Decimal("1"), evidence_kinds=["image"],
        )
        for n in range(leaves)
    )  # fmt: skip
    return template


def filled_card(aw, leaves: int):
    period = make_period(aw, sheet_of(aw, leaves), targets=[aw.branch1])
    card = card_of(period, aw.branch1)
    indicators = list(Indicator.objects.filter(template=period.template, level=3))
    LeafScore.objects.bulk_create(
        LeafScore(
            scorecard=card, indicator=ind, status=LeafScore.Status.SCORED,
            self_points=Decimal("5"), points=Decimal("4"), reason="扣1分",
        )
        for ind in indicators
    )  # fmt: skip
    rows = list(LeafScore.objects.filter(scorecard=card))
    Evidence.objects.bulk_create(
        Evidence(scorecard=card, leaf=row, title="照片.png", file="assessment/x.png",
                 file_kind="png", size=10)
        for row in rows
    )  # fmt: skip
    return card


def test_card_page_queries_do_not_grow_with_leaves(aw, client, django_assert_max_num_queries):
    """The same number of queries for a card of 2 leaves and of 20, every leaf with a self
    score, an assessor's score with its reason and a photo."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login(client, aw.bob)
    counts = []
    for leaves in (2, 20):
        card = filled_card(aw, leaves)
        url = reverse("assessment:card_self", args=[card.pk])
        # Before 公示 the branch sees its own self-check, not the assessors' points.
        assert 'data-testid="assessor-score"' not in client.get(url).content.decode()
        Period.objects.filter(pk=card.period_id).update(status=Period.Status.PUBLISHED)
        with django_assert_max_num_queries(9), CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        counts.append(len(queries))
        assert response.content.decode().count('data-testid="evidence-link"') == leaves
        assert response.content.decode().count('data-testid="assessor-score"') == leaves
    assert counts[0] == counts[1], counts


def make_cards(aw, count: int, offset: int = 0):
    template = sheet_of(aw, 2, name=f"月度考核{offset}")
    for n in range(offset, offset + count):
        period = make_period(
            aw, template, targets=[aw.branch1], month=dt.date(2024 + n // 12, n % 12 + 1, 1)
        )
        if n % 2:
            Period.objects.filter(pk=period.pk).update(status=Period.Status.PUBLISHED)
            Scorecard.objects.filter(period=period).update(total=Decimal("9"), grade="良好", rank=1)
    return Category.objects.count()


def test_my_cards_queries_do_not_grow_with_cards(aw, client, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login(client, aw.bob)
    counts = []
    for offset, total in ((0, 2), (2, 20)):
        make_cards(aw, total - offset, offset)
        client.get(reverse("assessment:my_cards"))
        with django_assert_max_num_queries(7), CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("assessment:my_cards"))
        counts.append(len(queries))
        assert response.content.decode().count('data-testid="my-card"') == total
    assert counts[0] == counts[1], counts


def test_only_the_target_side_opens_the_appeal_page(setup, client):
    aw, period, card = setup
    ind = leaf(period.template, "1.1.1")
    LeafScore.objects.create(
        scorecard=card, indicator=ind, status=LeafScore.Status.SCORED, points=Decimal("3")
    )
    Period.objects.filter(pk=period.pk).update(
        status=Period.Status.PUBLISHED, appeal_until=timezone.now() + dt.timedelta(days=3)
    )
    url = reverse("assessment:appeal_new", args=[card.pk, ind.pk])
    for outsider in (aw.cora, aw.mia, aw.pete):  # mia sees the published card, cannot appeal
        login(client, outsider)
        assert client.get(url).status_code == 404, outsider
        assert client.post(url, {"reason": "x"}).status_code == 404, outsider
    assert not Appeal.objects.exists()
    login(client, aw.bob)
    assert client.get(url).status_code == 200


def test_a_returned_leaf_is_shown_at_the_top_and_resubmitted(setup, client):
    aw, period, card = setup
    fill_all(aw, period, card)
    svc.card_submit(actor=aw.bob, card=card)
    ind = leaf(period.template, "2.1.1")
    LeafScore.objects.filter(scorecard=card, indicator=ind).update(
        status=LeafScore.Status.RETURNED, return_message="请补充11月宣传稿件截图"
    )
    login(client, aw.bob)
    page = client.get(reverse("assessment:card_self", args=[card.pk])).content.decode()
    top = page.index('data-testid="returned-section"')
    assert top < page.index('data-testid="section-1"')
    assert "请补充11月宣传稿件截图" in page
    assert page.count(f'id="leaf-{ind.pk}"') == 1  # drawn once, at the top
    assert page.count('data-testid="save-self"') == 1  # only the returned leaf is editable
    response = client.post(
        reverse("assessment:self_resubmit", args=[card.pk, ind.pk]),
        {"note": "已补充截图", "form_token": "9" * 32},
        follow=True,
    )
    assert "已重新提交" in response.content.decode()
    assert LeafScore.objects.get(scorecard=card, indicator=ind).status == "self_done"
    assert 'data-testid="returned-section"' not in response.content.decode()

"""`/api/v1/assessment/…` writes: self-check, evidence, submit, score, return, resubmit,
appeal and decision — each through the services, refused with a Chinese message (400), 403 for a
visible card the caller may not act on, 404 outside the scope, nothing changed when refused."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dangjian.assessment.models import Appeal, Evidence, LeafScore, Period, Scorecard
from dangjian.assessment.testing import card_of, leaf, make_period, make_template
from dangjian.core.testing.matrix import assert_access_matrix

BASE = "/api/v1/assessment/"
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# Before the self-check deadline of the November period (5 December).
DURING = dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC)


@pytest.fixture
def aw(module_aw, db):
    return module_aw


@pytest.fixture
def clock():
    with time_machine.travel(DURING, tick=False):
        yield


def pdf(name="会议记录.pdf"):
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def post(client, url, data):
    return client.post(BASE + url, data, content_type="application/json")


def leaf_state(card):
    return list(
        LeafScore.objects.filter(scorecard=card)
        .order_by("indicator_id")
        .values("indicator_id", "status", "self_points", "points", "reason", "return_message")
    ) + list(Scorecard.objects.filter(pk=card.pk).values())


def _self_check_all(client, card, template):
    for code in ("1.1.1", "1.1.2", "2.1.1", "2.1.2", "3.1.1", "4.1.1"):
        indicator = leaf(template, code)
        points = {"1.1.2": "2", "2.1.1": "5", "2.1.2": "3", "4.1.1": "0"}.get(code, "3")
        answer = post(
            client,
            f"scorecards/{card.pk}/self-check/",
            {"indicator": indicator.pk, "self_points": points, "self_note": "按要求落实"},
        )
        assert answer.status_code == 200, answer.content


def test_self_check_evidence_and_submit(aw, client, clock):
    period = make_period(aw)
    template = period.template
    card = card_of(period, aw.branch1)
    client.force_login(aw.bob)
    refused = post(
        client,
        f"scorecards/{card.pk}/self-check/",
        {"indicator": leaf(template, "1.1.2").pk, "self_points": "1"},
    )
    assert refused.status_code == 400  # a binary leaf is 2 or 0
    assert "只能评" in refused.json()["error"]["message"]
    _self_check_all(client, card, template)
    detail = client.get(f"{BASE}scorecards/{card.pk}/").json()
    assert [row["self_points"] for row in detail["leaves"]] == [
        "3.00",
        "2.00",
        "5.00",
        "3.00",
        "3.00",
        "0.00",
    ]
    assert detail["self_done_count"] == 6

    early = client.post(f"{BASE}scorecards/{card.pk}/submit/")
    assert early.status_code == 400
    assert "缺佐证材料" in early.json()["error"]["message"]
    assert Scorecard.objects.get(pk=card.pk).status == Scorecard.Status.SELF_CHECK

    wrong = client.post(
        f"{BASE}scorecards/{card.pk}/evidence/",
        {"indicator": leaf(template, "1.1.1").pk, "file": SimpleUploadedFile("a.pdf", b"hello")},
    )
    assert wrong.status_code == 400 and "1.1.1" in wrong.json()["error"]["message"]
    codes = ("1.1.1", "1.1.2", "2.1.1", "2.1.2", "3.1.1", "4.1.1")
    for n, code in enumerate(codes):
        if n % 2:  # half through the card's action, half through evidence/
            answer = client.post(
                f"{BASE}evidence/",
                {"scorecard": card.pk, "indicator": leaf(template, code).pk, "file": pdf()},
            )
        else:
            answer = client.post(
                f"{BASE}scorecards/{card.pk}/evidence/",
                {"indicator": leaf(template, code).pk, "file": pdf()},
            )
        assert answer.status_code == 201, answer.content
        assert answer.json()["stage"] == "self_check"
        assert answer.json()["url"].startswith("/assessment/evidence/")
    extra = client.post(
        f"{BASE}scorecards/{card.pk}/evidence/",
        {"indicator": leaf(template, "1.1.1").pk, "file": pdf("多余.pdf")},
    ).json()
    assert client.delete(f"{BASE}evidence/{extra['id']}/").status_code == 204
    assert Evidence.objects.filter(scorecard=card).count() == 6

    done = client.post(f"{BASE}scorecards/{card.pk}/submit/")
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "submitted"
    again = client.post(f"{BASE}scorecards/{card.pk}/submit/")
    assert again.status_code == 400 and "无需重复提交" in again.json()["error"]["message"]
    first = Evidence.objects.filter(scorecard=card).first()
    late = client.delete(f"{BASE}evidence/{first.pk}/")
    assert late.status_code == 400 and "自查已提交" in late.json()["error"]["message"]
    period.refresh_from_db()
    assert period.submitted_count == 1


def test_target_side_writes_refused_to_others(aw, client, clock):
    period = make_period(aw)
    card = card_of(period, aw.branch1)
    indicator = leaf(period.template, "1.1.1")
    body = {"indicator": indicator.pk, "self_points": "3"}
    assert_access_matrix(
        client,
        url=f"{BASE}scorecards/{card.pk}/self-check/",
        method="post",
        data=body,
        api=True,
        in_scope=aw.bob,
        out_of_scope=aw.cora,
        no_role=aw.charlie,
        state=lambda: leaf_state(card),
    )
    client.force_login(aw.pete)  # an assessor sees the card but does not self-check it
    before = leaf_state(card)
    answer = post(client, f"scorecards/{card.pk}/self-check/", body)
    assert answer.status_code == 403
    assert "书记" in answer.json()["error"]["message"]
    assert client.post(f"{BASE}scorecards/{card.pk}/submit/").status_code == 403
    assert leaf_state(card) == before
    client.force_login(aw.bob)
    other = make_period(aw, make_template(aw, name="另一套指标"), name="另一期")
    foreign = leaf(other.template, "1.1.1")
    answer = post(client, f"scorecards/{card.pk}/self-check/", {**body, "indicator": foreign.pk})
    assert answer.status_code == 400 and "不在这张考核表" in answer.json()["error"]["message"]
    answer = client.post(
        f"{BASE}evidence/", {"scorecard": card_of(period, aw.branch2).pk, "indicator": indicator.pk}
    )
    assert answer.status_code == 400  # another branch's card in the body: as if missing


def _submitted(period, org):
    Scorecard.objects.filter(period=period, organization=org).update(
        status=Scorecard.Status.SUBMITTED, submitted_at=timezone.now()
    )
    return card_of(period, org)


def test_score_return_and_resubmit(aw, client, clock):
    period = make_period(aw)
    template = period.template
    card = _submitted(period, aw.branch2)
    graded, veto, org_leaf = (leaf(template, c) for c in ("2.1.1", "2.1.2", "1.1.1"))
    client.force_login(aw.pete)
    no_reason = post(
        client, f"scorecards/{card.pk}/score/", {"indicator": graded.pk, "level": "较好"}
    )
    assert no_reason.status_code == 400
    assert not LeafScore.objects.filter(scorecard=card, points__isnull=False).exists()
    scored = post(
        client,
        f"scorecards/{card.pk}/score/",
        {"indicator": graded.pk, "level": "较好", "reason": "本月报道两篇，质量一般"},
    )
    assert scored.status_code == 200, scored.content
    row = next(r for r in scored.json()["leaves"] if r["indicator"]["id"] == graded.pk)
    assert (row["status"], row["points"], row["level"]) == ("scored", "3.00", "较好")
    not_mine = post(
        client, f"scorecards/{card.pk}/score/", {"indicator": org_leaf.pk, "points": "5"}
    )
    assert not_mine.status_code == 403 and "不由您评分" in not_mine.json()["error"]["message"]

    returned = post(
        client,
        f"scorecards/{card.pk}/return/",
        {"indicator": veto.pk, "message": "请补充意识形态工作责任制落实记录"},
    )
    assert returned.status_code == 200, returned.content
    assert LeafScore.objects.get(scorecard=card, indicator=veto).status == "returned"
    empty = post(client, f"scorecards/{card.pk}/return/", {"indicator": veto.pk, "message": ""})
    assert empty.status_code == 400

    client.force_login(aw.cora)
    detail = client.get(f"{BASE}scorecards/{card.pk}/").json()
    row = next(r for r in detail["leaves"] if r["indicator"]["id"] == veto.pk)
    assert row["return_message"] == "请补充意识形态工作责任制落实记录"
    graded_row = next(r for r in detail["leaves"] if r["indicator"]["id"] == graded.pk)
    assert graded_row["points"] is None  # the score shows with 公示, not before
    assert post(client, f"scorecards/{card.pk}/score/", {"indicator": graded.pk}).status_code == 403
    again = post(
        client,
        f"scorecards/{card.pk}/self-check/",
        {"indicator": veto.pk, "self_points": "3", "self_note": "已补充记录"},
    )
    assert again.status_code == 200, again.content
    early = post(client, f"scorecards/{card.pk}/resubmit/", {"indicator": veto.pk})
    assert early.status_code == 400 and "2.1.2" in early.json()["error"]["message"]
    uploaded = client.post(
        f"{BASE}scorecards/{card.pk}/evidence/", {"indicator": veto.pk, "file": pdf()}
    )
    assert uploaded.status_code == 201, uploaded.content
    resubmitted = post(
        client, f"scorecards/{card.pk}/resubmit/", {"indicator": veto.pk, "note": "已补充"}
    )
    assert resubmitted.status_code == 200, resubmitted.content
    assert LeafScore.objects.get(scorecard=card, indicator=veto).status == "self_done"

    client.force_login(aw.bob)  # another branch's card: as if it did not exist
    assert post(client, f"scorecards/{card.pk}/score/", {"indicator": graded.pk}).status_code == 404


def test_scoring_matrix(aw, client, clock):
    period = make_period(aw)
    card = _submitted(period, aw.branch1)
    graded = leaf(period.template, "2.1.1")
    assert_access_matrix(
        client,
        url=f"{BASE}scorecards/{card.pk}/score/",
        method="post",
        data={"indicator": graded.pk, "level": "好"},
        api=True,
        in_scope=aw.pete,
        out_of_scope=aw.dave,
        no_role=aw.charlie,
        state=lambda: leaf_state(card),
    )
    assert LeafScore.objects.get(scorecard=card, indicator=graded).points == Decimal("5")


# ------------------------------------------------------------------------------ appeals


def _published_with_deduction(aw):
    period = make_period(aw)
    card = card_of(period, aw.branch1)
    indicator = leaf(period.template, "1.1.1")
    LeafScore.objects.create(
        scorecard=card,
        indicator=indicator,
        status=LeafScore.Status.SCORED,
        occurrences=Decimal("2"),
        points=Decimal("3"),
        reason="缺两次支委会",
        scored_at=timezone.now(),
    )
    Period.objects.filter(pk=period.pk).update(
        status=Period.Status.PUBLISHED,
        published_at=timezone.now(),
        appeal_until=timezone.now() + dt.timedelta(days=5),
    )
    return period, card, indicator


def test_appeal_filed_and_upheld(aw, client, clock):
    _period, card, indicator = _published_with_deduction(aw)
    client.force_login(aw.bob)
    filed = client.post(
        f"{BASE}appeals/",
        {
            "scorecard": card.pk,
            "indicator": indicator.pk,
            "reason": "11月12日已召开支委会，见会议记录",
            "files": [pdf("支委会记录.pdf")],
        },
    )
    assert filed.status_code == 201, filed.content
    appeal = filed.json()
    assert appeal["status"] == "pending" and appeal["points_before"] == "3.00"
    assert [e["stage"] for e in appeal["evidence"]] == ["appeal"]
    twice = post(
        client,
        "appeals/",
        {"scorecard": card.pk, "indicator": indicator.pk, "reason": "再次申诉"},
    )
    assert twice.status_code == 400 and "裁定中" in twice.json()["error"]["message"]
    assert [row["id"] for row in client.get(f"{BASE}appeals/").json()["results"]] == [appeal["id"]]
    cannot = post(client, f"appeals/{appeal['id']}/decide/", {"upheld": True, "decision": "成立"})
    assert cannot.status_code == 403

    for user in (aw.cora, aw.pete, aw.dave):  # not theirs to read or decide
        client.force_login(user)
        assert client.get(f"{BASE}appeals/{appeal['id']}/").status_code == 404
        assert client.get(f"{BASE}appeals/").json()["results"] == []

    client.force_login(aw.alice)
    bad = post(client, f"appeals/{appeal['id']}/decide/", {"upheld": True, "decision": ""})
    assert bad.status_code == 400
    decided = post(
        client,
        f"appeals/{appeal['id']}/decide/",
        {"upheld": True, "decision": "核实记录，申诉成立", "occurrences": "1"},
    )
    assert decided.status_code == 200, decided.content
    assert (decided.json()["status"], decided.json()["points_after"]) == ("upheld", "4.00")
    row = LeafScore.objects.get(scorecard=card, indicator=indicator)
    assert (row.points, row.changed_by_appeal) == (Decimal("4"), True)
    assert Appeal.objects.get(pk=appeal["id"]).status == Appeal.Status.UPHELD


def test_appeal_refusals(aw, client, clock):
    period, card, indicator = _published_with_deduction(aw)
    full = leaf(period.template, "1.1.2")
    LeafScore.objects.create(
        scorecard=card, indicator=full, status="scored", achieved=True, points=Decimal("2")
    )
    client.force_login(aw.bob)
    none = post(client, "appeals/", {"scorecard": card.pk, "indicator": full.pk, "reason": "x"})
    assert none.status_code == 400 and "没有扣分" in none.json()["error"]["message"]
    client.force_login(aw.cora)  # another branch's card in the body
    other = post(
        client, "appeals/", {"scorecard": card.pk, "indicator": indicator.pk, "reason": "x"}
    )
    assert other.status_code == 400
    assert not Appeal.objects.exists()


def test_appeal_list_query_count(aw, client, clock):
    period, _card, indicator = _published_with_deduction(aw)
    client.force_login(aw.alice)

    def count():
        client.get(f"{BASE}appeals/")
        with CaptureQueriesContext(connection) as queries:
            rows = client.get(f"{BASE}appeals/").json()["results"]
        return len(queries), len(rows)

    def add(n):
        for k in range(n):
            other = make_period(aw, period.template, name=f"申诉期{k}")
            target = card_of(other, aw.branch1)
            row = LeafScore.objects.create(
                scorecard=target, indicator=indicator, status="scored", points=Decimal("3")
            )
            Appeal.objects.create(scorecard=target, leaf=row, reason="理由", created_by=aw.bob)

    add(2)
    few, rows = count()
    assert rows == 2
    add(18)
    many, rows = count()
    assert (many, rows) == (few, 20)


def test_evidence_list_query_count(aw, client, clock):
    period = make_period(aw)
    card = card_of(period, aw.branch1)
    row = LeafScore.objects.create(scorecard=card, indicator=leaf(period.template, "1.1.1"))
    client.force_login(aw.bob)

    def add(n):
        Evidence.objects.bulk_create(
            Evidence(scorecard=card, leaf=row, title=f"记录{k}.pdf", file="x.pdf", file_kind="pdf")
            for k in range(n)
        )

    def count():
        url = f"{BASE}evidence/?scorecard={card.pk}"
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            data = client.get(url).json()
        return len(queries), data["count"]

    add(2)
    few, rows = count()
    assert rows == 2
    add(18)
    assert count() == (few, 20)
    client.force_login(aw.cora)
    assert client.get(f"{BASE}evidence/?scorecard={card.pk}").json()["count"] == 0

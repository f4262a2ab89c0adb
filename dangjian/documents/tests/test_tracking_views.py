"""The sender's table of an issued document: counts, filters, the live refresh, 一键催办 from
the page, scope (404 outside the issuer's office) and the query-count guard."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.documents.models import Chase, Document, Receipt, Reply
from dangjian.documents.testing import issue_now
from dangjian.notifications.models import Notification
from dangjian.orgs.models import Organization, OrgType

TZ = ZoneInfo("Asia/Shanghai")
LONG_AGO = dt.datetime(2026, 1, 5, 9, 0, tzinfo=TZ)  # every signing limit is long past


@pytest.fixture
def dw(module_dw, db):
    return module_dw


def _url(document, **query):
    url = reverse("documents:tracking", args=[document.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _document(dw, **options):
    """主送 branch1 and branch2, 抄送 mine2; branch1 signed and replied with a file."""
    document = issue_now(
        dw,
        to=[dw.branch1, dw.branch2],
        copy_to=[dw.mine2],
        reply_required=True,
        deadline=dt.date(2026, 1, 9),
        issued_at=LONG_AGO,
        **options,
    )
    first = document.receipts.get(organization=dw.branch1)
    Receipt.objects.filter(pk=first.pk).update(
        status=Receipt.Status.REPLIED,
        signed_at=LONG_AGO + dt.timedelta(hours=2),
        signed_by=dw.bob,
        read_at=LONG_AGO + dt.timedelta(hours=3),
        replied_at=LONG_AGO + dt.timedelta(days=1),
    )
    Reply.objects.create(receipt=first, text="已按要求组织学习。", author=dw.bob)
    third = document.receipts.get(organization=dw.mine2)
    Receipt.objects.filter(pk=third.pk).update(
        status=Receipt.Status.RETURNED,
        signed_at=LONG_AGO + dt.timedelta(hours=1),
        returned_at=LONG_AGO + dt.timedelta(hours=1),
        returned_by=dw.dave,
        return_reason="本单位不属于发文范围",
    )
    Document.objects.filter(pk=document.pk).update(
        signed_count=2, read_count=1, replied_count=1, returned_count=1
    )
    document.refresh_from_db()
    return document


def _rows(response):
    return [row.holder_name for row in response.context["page_obj"].object_list]


def test_the_issuers_office_sees_counts_and_every_recipient(client, dw):
    document = _document(dw)
    client.force_login(dw.oscar)
    response = client.get(_url(document))
    assert response.status_code == 200
    counts = response.context["counts"]
    assert (counts.recipients, counts.signed, counts.unsigned, counts.late) == (3, 2, 1, 1)
    assert (counts.read, counts.replied, counts.returned) == (1, 1, 1)
    assert _rows(response) == ["综采一队党支部", "掘进二队党支部", "二矿党委"]
    html = response.content.decode()
    assert "已按要求组织学习。" in html
    assert "本单位不属于发文范围" in html
    assert 'hx-trigger="every 15s"' in html
    assert 'data-testid="chase-open"' in html


@pytest.mark.parametrize(
    ("show", "expected"),
    [
        ("unsigned", ["掘进二队党支部"]),
        ("late", ["掘进二队党支部"]),
        ("unreplied", ["掘进二队党支部"]),
        ("returned", ["二矿党委"]),
        ("nonsense", ["综采一队党支部", "掘进二队党支部", "二矿党委"]),
    ],
)
def test_filters(client, dw, show, expected):
    document = _document(dw)
    client.force_login(dw.oscar)
    assert _rows(client.get(_url(document, show=show))) == expected


def test_the_live_refresh_answers_the_counts_and_table_only(client, dw):
    document = _document(dw)
    client.force_login(dw.oscar)
    response = client.get(
        _url(document, show="late"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="tracking-live"
    )
    assert response.templates[0].name == "documents/tracking/_live.html"
    html = response.content.decode()
    assert "<html" not in html and 'id="tracking-live"' in html
    assert "show=late" in html  # the next poll keeps the filter


@pytest.mark.parametrize("who", ["dave", "bob", "charlie", "mia"])
def test_outside_the_issuers_scope_it_is_404(client, dw, who):
    document = _document(dw)
    client.force_login(getattr(dw, who))
    assert client.get(_url(document)).status_code == 404
    response = client.post(reverse("documents:chase", args=[document.pk]), {"scope": "late"})
    assert response.status_code == 404
    assert not Chase.objects.exists()


def test_a_draft_has_no_recipients_page(client, dw):
    document = _document(dw)
    Document.objects.filter(pk=document.pk).update(status=Document.Status.DRAFT)
    client.force_login(dw.oscar)
    assert client.get(_url(document)).status_code == 404


def test_the_leader_sees_the_table_but_cannot_chase(client, dw):
    document = _document(dw)
    client.force_login(dw.lee)
    response = client.get(_url(document))
    assert response.status_code == 200
    assert 'data-testid="chase-open"' not in response.content.decode()
    response = client.post(reverse("documents:chase", args=[document.pk]), {"scope": "late"})
    assert response.status_code == 404
    assert not Chase.objects.exists()


def test_one_click_chase_from_the_page(client, dw):
    document = _document(dw)
    client.force_login(dw.oscar)
    response = client.post(
        reverse("documents:chase", args=[document.pk]), {"scope": "late"}, follow=True
    )
    assert "已催办 1 个单位" in response.content.decode()
    assert Notification.objects.filter(recipient=dw.cora, category="documents").count() == 1
    # The second click within a minute sends nothing and says why.
    response = client.post(
        reverse("documents:chase", args=[document.pk]),
        {"scope": "late", "show": "late"},
        follow=True,
    )
    assert response.redirect_chain[-1][0].endswith("?show=late")
    assert "没有需要催办的单位" in response.content.decode()
    assert Notification.objects.filter(recipient=dw.cora, category="documents").count() == 1


def test_chasing_the_ticked_units(client, dw):
    document = _document(dw)
    second = document.receipts.get(organization=dw.branch2)
    client.force_login(dw.oscar)
    response = client.post(
        reverse("documents:chase", args=[document.pk]),
        {"scope": "selected", "receipt": [str(second.pk), "x²"]},
        follow=True,
    )
    assert "已催办 1 个单位" in response.content.decode()
    response = client.post(
        reverse("documents:chase", args=[document.pk]), {"scope": "selected"}, follow=True
    )
    assert "请先勾选" in response.content.decode()


def _wide_document(dw, count: int):
    tree = Organization.objects
    mine = tree.get(pk=dw.mine.pk)
    branches = [
        tree.add_child(
            mine, {"org_type": OrgType.BRANCH, "name": f"宽党支部{n}", "code": f"W{count}-{n}"}
        )
        for n in range(count)
    ]
    document = issue_now(dw, to=branches, reply_required=True, deadline=dt.date(2026, 1, 9))
    for receipt in document.receipts.order_by("copy_no")[:2]:
        Reply.objects.create(receipt=receipt, text="已办", author=dw.bob)
    return document


def test_the_table_costs_the_same_queries_for_3_and_30_rows(client, dw):
    client.force_login(dw.oscar)
    small, large = _wide_document(dw, 3), _wide_document(dw, 30)
    client.get(_url(small))  # warm the session and the scope
    with CaptureQueriesContext(connection) as few:
        assert client.get(_url(small)).status_code == 200
    with CaptureQueriesContext(connection) as many:
        response = client.get(_url(large))
    assert len(response.context["page_obj"].object_list) == 20
    assert len(many) == len(few)

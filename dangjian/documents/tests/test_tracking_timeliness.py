"""时效统计: the figures per recipient organisation against a hand-computed month, the period
picker, scope and the page's query-count guard."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.documents.models import Document, Receipt, Urgency
from dangjian.documents.selectors_tracking import timeliness
from dangjian.documents.testing import issue_now
from dangjian.documents.views.tracking import period_of
from dangjian.orgs.models import Organization, OrgType

TZ = ZoneInfo("Asia/Shanghai")
NOVEMBER = (dt.date(2026, 11, 1), dt.date(2026, 11, 30))


def at(month: int, day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, 0, tzinfo=TZ)


@pytest.fixture
def dw(module_dw, db):
    return module_dw


def _set(document, org, **fields):
    Receipt.objects.filter(document=document, organization=org).update(**fields)


@pytest.fixture
def month(dw):
    """November 2026, by hand:

    A  Mon 2 Nov 09:00 平件 (sign by Tue 23:59), reply by Fri 6 Nov, to branch1 and branch2
       branch1 signs after 2 h, replies Thu 5 Nov (on time)
       branch2 signs Wed 4 Nov 09:00 (48 h, late), replies Sat 7 Nov (late)
    B  Tue 10 Nov 09:00 特急 (sign the same day), to branch1 and branch2
       branch1 signs after 4 h; branch2 never signs
    C  Fri 30 Oct to branch1 (another month); D to branch3 (mine 2, outside the mine);
    E  withdrawn in November (cancelled receipts do not count)
    """
    a = issue_now(
        dw,
        "A",
        to=[dw.branch1, dw.branch2],
        reply_required=True,
        deadline=dt.date(2026, 11, 6),
        issued_at=at(11, 2, 9),
    )
    _set(a, dw.branch1, status="replied", signed_at=at(11, 2, 11), replied_at=at(11, 5, 10))
    _set(a, dw.branch2, status="replied", signed_at=at(11, 4, 9), replied_at=at(11, 7, 10))
    b = issue_now(
        dw, "B", to=[dw.branch1, dw.branch2], urgency=Urgency.EXTRA, issued_at=at(11, 10, 9)
    )
    _set(b, dw.branch1, status="signed", signed_at=at(11, 10, 13))
    c = issue_now(dw, "C", to=[dw.branch1], issued_at=at(10, 30, 9))
    _set(c, dw.branch1, status="signed", signed_at=at(11, 2, 9))
    issue_now(dw, "D", to=[dw.branch3], issued_at=at(11, 12, 9))
    e = issue_now(dw, "E", to=[dw.branch1], issued_at=at(11, 13, 9))
    Document.objects.filter(pk=e.pk).update(status=Document.Status.WITHDRAWN)
    Receipt.objects.filter(document=e).update(status=Receipt.Status.CANCELLED)


def _figures(row):
    return (
        row.organization_name,
        row.received,
        row.signed,
        row.signed_on_time,
        row.sign_rate,
        row.average_sign_hours,
        row.reply_required,
        row.replied,
        row.replied_on_time,
        row.reply_rate,
    )


def test_figures_of_a_month(dw, month):
    rows = timeliness(dw.oscar, dw.mine, *NOVEMBER)
    assert [_figures(row) for row in rows] == [
        ("综采一队党支部", 2, 2, 2, 100.0, 3.0, 1, 1, 1, 100.0),
        ("掘进二队党支部", 2, 1, 0, 0.0, 48.0, 1, 1, 0, 0.0),
    ]


def test_a_returned_receipt_asks_no_reply(dw, month):
    a = Document.objects.get(title="A")
    _set(a, dw.branch2, status="returned", replied_at=None)
    rows = {row.organization_name: row for row in timeliness(dw.oscar, dw.mine, *NOVEMBER)}
    assert rows["掘进二队党支部"].reply_required == 0
    assert rows["掘进二队党支部"].reply_rate is None


def test_sorting(dw, month):
    def names(sort):
        return [row.organization_name for row in timeliness(dw.oscar, dw.mine, *NOVEMBER, sort)]

    assert names("sign_rate") == ["掘进二队党支部", "综采一队党支部"]
    assert names("-sign_rate") == ["综采一队党支部", "掘进二队党支部"]
    assert names("hours") == ["掘进二队党支部", "综采一队党支部"]


def test_a_quarter_takes_in_october(dw, month):
    rows = timeliness(dw.oscar, dw.mine, dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert rows[0].organization_name == "综采一队党支部" and rows[0].received == 3


def test_a_subtree_outside_the_users_scope_is_404(dw, month):
    with pytest.raises(Http404):
        timeliness(dw.dave, dw.mine, *NOVEMBER)
    rows = timeliness(dw.dave, dw.mine2, *NOVEMBER)
    assert [(row.organization_name, row.received) for row in rows] == [("通风区党支部", 1)]


def test_the_page(client, dw, month):
    client.force_login(dw.oscar)
    url = reverse("documents:timeliness")
    response = client.get(url + "?period=month&year=2026&month=11&sort=-sign_rate")
    assert response.status_code == 200
    assert response.context["label"] == "2026年11月"
    html = response.content.decode()
    assert "综采一队党支部" in html and "48.0 小时" in html
    assert 'data-testid="timeliness-export"' in html
    client.force_login(dw.charlie)
    assert client.get(url).status_code == 404


def test_a_secretary_sees_their_branch_only(client, dw, month):
    client.force_login(dw.bob)
    response = client.get(reverse("documents:timeliness") + "?year=2026&month=11")
    assert [row.organization_name for row in response.context["rows"]] == ["综采一队党支部"]
    assert 'data-testid="timeliness-export"' not in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"period": "quarter", "year": "2026", "quarter": "4"}, ("2026-10-01", "2026-12-31")),
        ({"period": "year", "year": "2025"}, ("2025-01-01", "2025-12-31")),
        ({"period": "month", "year": "2026", "month": "2"}, ("2026-02-01", "2026-02-28")),
        ({"period": "month", "year": "1", "month": "13²"}, ("2026-11-01", "2026-11-30")),
        ({"period": "quarter", "quarter": "9"}, ("2026-01-01", "2026-03-31")),
    ],
)
def test_period_picker(query, expected):
    period = period_of(query, dt.date(2026, 11, 24))
    assert (period["start"].isoformat(), period["end"].isoformat()) == expected


def _branches(dw, count: int):
    tree = Organization.objects
    mine = tree.get(pk=dw.mine.pk)
    branches = [
        tree.add_child(
            mine, {"org_type": OrgType.BRANCH, "name": f"统计党支部{n}", "code": f"S{count}-{n}"}
        )
        for n in range(count)
    ]
    issue_now(dw, "F", to=branches, issued_at=at(11, 16, 9))


def test_the_page_costs_the_same_queries_for_3_and_30_organisations(client, dw):
    client.force_login(dw.oscar)
    url = reverse("documents:timeliness") + "?year=2026&month=11"
    _branches(dw, 3)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    _branches(dw, 27)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.context["page_obj"].paginator.count == 30
    assert len(many) == len(few)

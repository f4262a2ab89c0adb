"""Opening at scale: ~2 000 generated organisations open with a bounded number of queries (the
same bound as a handful), lock recomputes and ranks them in batches; above the inline limit
the page starts a background job and shows the progress page."""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.assessment.models import Period, Scorecard
from dangjian.assessment.services import periods
from dangjian.assessment.testing import make_template
from dangjian.assessment.tests.per_helpers import add_unit, bulk_branches, draft
from dangjian.core.models import Job

MANY = 2010
NAMES = ["综采{}队党支部", "机电{}队党支部", "后勤{}区党支部", "{}号科室党支部"]


def _names(count: int) -> list[str]:
    return [NAMES[i % 4].format(i) for i in range(count)]


def _writes(captured, table: str) -> int:
    return sum(
        1 for q in captured.captured_queries if q["sql"].startswith(f'INSERT INTO "{table}"')
    )


def test_opening_two_thousand_organisations_in_a_bounded_number_of_queries(aw):
    template = make_template(aw)
    small = draft(aw, template, name="两个支部")
    with CaptureQueriesContext(connection) as few:
        periods.period_open(actor=aw.alice, period=small)
    made = bulk_branches(aw.mine, _names(MANY))
    for index, org in enumerate(made[:8]):
        add_unit(org, "office", aw.mine, f"SCALE-U{index}")
    big = draft(aw, template, name="全矿", month=dt.date(2026, 10, 1))
    with CaptureQueriesContext(connection) as many:
        count = periods.period_open(actor=aw.alice, period=big)
    assert count == MANY + 2
    assert Scorecard.objects.filter(period=big).count() == MANY + 2
    # Cards are written in batches (1 000 a batch; SQLite splits a batch further by its
    # variable limit) and the unit kinds read once per batch of 1 000; everything else is
    # fixed: the 2 012 cards cost at most six other queries more than two cards did.
    inserts = _writes(many, "assessment_scorecard")
    assert inserts == 3 if connection.vendor == "postgresql" else inserts <= MANY // 20
    others = len(many.captured_queries) - inserts
    assert others <= len(few.captured_queries) - _writes(few, "assessment_scorecard") + 6, [
        q["sql"][:120]
        for q in many.captured_queries
        if 'INSERT INTO "assessment_sc' not in q["sql"]
    ]
    categories = dict(
        Scorecard.objects.filter(period=big).values_list("category__name").annotate(n=Count("id"))
    )
    assert sum(categories.values()) == MANY + 2
    # 502 names with 科室, and two 后勤 branches among the eight given an office unit; 503 机电
    # by keyword, and the other 后勤 branches match nothing and fall to the last category.
    assert categories["机关科室"] == 504
    assert categories["辅助区队"] == 503 + 502 - 2


@pytest.mark.django_db(transaction=True)
def test_a_large_opening_runs_as_a_background_job(client, monkeypatch):
    from dangjian.assessment.testing import build_assessment_world

    aw = build_assessment_world()
    template = make_template(aw)
    bulk_branches(aw.mine, _names(30))
    period = draft(aw, template)
    from dangjian.assessment import tasks
    from dangjian.assessment.views import periods as views

    monkeypatch.setattr(views, "OPEN_INLINE_LIMIT", 10)  # so that 32 targets go to the job
    client.force_login(aw.alice)
    page = client.get(reverse("assessment:period_detail", args=[period.pk]))
    assert "将在后台生成" in page.content.decode()
    response = client.post(
        reverse("assessment:period_action", args=[period.pk]),
        {"form_token": page.context["form_token"], "action": "open"},
    )
    job = Job.objects.get(kind=tasks.JOB_KIND)
    assert response.status_code == 302
    assert response["Location"] == reverse("core:job_detail", args=[job.pk])
    # Tasks run immediately in tests: the job is done and links to the dashboard.
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.message
    assert job.result_url == reverse("assessment:period_detail", args=[period.pk])
    period.refresh_from_db()
    assert period.status == Period.Status.OPEN and period.target_count == 32

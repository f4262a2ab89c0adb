"""The 考核通报: PDF text and page 1 rasterised (pypdfium2), the Excel sheets, the audit entry,
and the home page's todo items of the assessment system."""

from __future__ import annotations

import io
import os
from pathlib import Path

import openpyxl
import pypdf
import pypdfium2
import pytest
from django.urls import reverse

from dangjian.assessment import bulletin, portal_todo
from dangjian.assessment.models import LeafScore, Period, Scorecard
from dangjian.assessment.testing import card_of, leaf, make_period, make_template
from dangjian.assessment.tests.res_helpers import (
    add_category,
    extra_branches,
    month,
    score,
    scored_period,
    settle,
)
from dangjian.audit.models import AuditEntry

ARTIFACTS = Path(os.environ.get("DANGJIAN_ARTIFACTS", "test-artifacts")) / "screenshots"


@pytest.fixture
def aw(module_aw, db):
    return module_aw


@pytest.fixture
def period(aw):
    """November over four branches in two categories, with ties, deductions and a veto."""
    x1, x2 = extra_branches(aw, 2, prefix="通报")
    template = make_template(aw)
    october = scored_period(
        aw, template, month(10), {aw.branch1: {}, aw.branch2: {}, x1: {}, x2: {}}
    )
    november = make_period(
        aw, template, targets=[aw.branch1, aw.branch2, x1, x2], month=month(11), previous=october
    )
    add_category(november, "辅助区队", [x2])
    score(card_of(november, aw.branch1), {"4.1.1": "1"})  # 19
    score(
        card_of(november, aw.branch2),
        {"1.1.1": "3"},
        reasons={"1.1.1": "缺第四季度党员大会1次、10月支委会1次"},
    )  # 16
    score(card_of(november, x1), {"3.1.1": "1"}, reasons={"3.1.1": "4份公文逾期签收"})  # 16
    score(
        card_of(november, x2),
        {"2.1.2": "0"},
        reasons={"2.1.2": "发生意识形态领域问题"},
        vetoed=("2.1.2",),
    )  # 15, vetoed
    LeafScore.objects.filter(
        scorecard=card_of(november, aw.branch2), indicator=leaf(template, "1.1.1")
    ).update(changed_by_appeal=True)
    return settle(november)


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


def test_the_bulletin_pdf_has_title_summary_rankings_and_deductions(aw, client, period):
    client.force_login(aw.alice)
    response = client.get(reverse("assessment:bulletin_pdf", args=[period.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.content)
    flat = text.replace("\n", "")
    for expected in (
        "关于2026年11月党支部工作考核结果的通报",
        "本次考核对象共4个党组织，完成评分4个，平均得分16.5分。",
        "其中优秀3个、良好0个、合格0个、不合格1个。触发一票否决1个。",  # x2: vetoed
        "生产区队（3个）前三名：综采一队党支部（19分）、掘进二队党支部（16分）、测试",
        "扣分较多的指标：",
        "缺第四季度党员大会1次、10月支委会1次",
        "4份公文逾期签收",
        "（申诉后改分）",
        "中共一矿委员会",
    ):
        assert expected.replace("测试", "通报") in flat, expected
    entry = AuditEntry.objects.get(action="assessment.bulletin_export", object_id=str(period.pk))
    assert entry.actor == aw.alice
    assert entry.organization_path == aw.mine.path


def test_the_bulletin_pdf_page_one_rasterised(aw, period):
    data = bulletin.bulletin_data(aw.alice, period)
    content = bulletin.render_pdf(data)
    page = pypdfium2.PdfDocument(content)[0]
    image = page.render(scale=1.5).to_pil().convert("L")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    image.save(ARTIFACTS / "assess-res-bulletin-page1.png")
    width, height = image.size
    assert width < height  # A4 portrait

    def ink(top: float, bottom: float) -> int:
        band = image.crop((0, int(top * height), width, int(bottom * height)))
        return sum(1 for value in band.tobytes() if value < 128)

    assert ink(0.06, 0.14) > 500  # the title under the top margin
    assert ink(0.0, 0.05) == 0  # nothing printed in the top margin
    # The ranking tables' borders: long dark horizontal runs somewhere on the page.
    rows = [sum(1 for x in range(width) if image.getpixel((x, y)) < 128) for y in range(height)]
    assert sum(1 for count in rows if count > width * 0.6) >= 4


def test_the_bulletin_excel_has_a_sheet_per_category_and_the_deductions(aw, client, period):
    client.force_login(aw.lee)  # VIEW_RESULT over the mine, published period
    response = client.get(reverse("assessment:bulletin_xlsx", args=[period.pk]))

    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["生产区队", "辅助区队", "扣分明细"]
    production = [list(row) for row in book["生产区队"].iter_rows(values_only=True)]
    assert production[0][0].startswith("导出人：李振华")
    assert production[2][:3] == ["名次", "考核对象", "考核分"]
    assert [row[:4] for row in production[3:]] == [
        [1, "综采一队党支部", 19, "优秀"],
        [2, "掘进二队党支部", 16, "优秀"],
        [2, "通报01队党支部", 16, "优秀"],
    ]
    assert production[3][7] == 1  # 较上期: 18 → 19
    auxiliary = [list(row) for row in book["辅助区队"].iter_rows(values_only=True)]
    assert auxiliary[3][:4] == [1, "通报02队党支部", 15, "不合格"]
    assert auxiliary[3][8] == "是"
    deductions = [list(row) for row in book["扣分明细"].iter_rows(values_only=True)][3:]
    assert [(r[1], r[2], r[6], r[7], r[8]) for r in deductions] == [
        ("掘进二队党支部", "1.1.1", 2, "缺第四季度党员大会1次、10月支委会1次", "申诉后改分"),
        ("通报01队党支部", "3.1.1", 2, "4份公文逾期签收", None),
        ("通报02队党支部", "2.1.2", 3, "发生意识形态领域问题", None),
    ]
    assert AuditEntry.objects.filter(
        action="assessment.bulletin_export", actor=aw.lee, object_id=str(period.pk)
    ).exists()


def _items(user, kind):
    return [item for item in portal_todo.assessment_todo(user, None) if item.kind == kind]


def test_home_page_todo_items(aw, django_assert_max_num_queries):
    from dangjian.assessment.models import Appeal

    period = make_period(aw)  # open, two cards not submitted
    (self_item,) = _items(aw.bob, "assessment.self_check")
    assert self_item.count == 1 and self_item.urgent
    Scorecard.objects.filter(period=period).update(status=Scorecard.Status.SUBMITTED)
    assert _items(aw.bob, "assessment.self_check")[0].count == 0
    Scorecard.objects.filter(period=period, organization=aw.branch1).update(returned_count=1)
    assert _items(aw.bob, "assessment.self_check")[0].count == 1

    # pete (宣传部长) scores 2.1.1 and 2.1.2 of both submitted cards: 4 pending.
    (scoring,) = _items(aw.pete, "assessment.score")
    assert scoring.count == 4
    score(card_of(period, aw.branch1), {})
    assert _items(aw.pete, "assessment.score")[0].count == 2
    assert _items(aw.mia, "assessment.score") == []

    done = scored_period(aw, period.template, month(10), {aw.branch1: {}, aw.branch2: {}})
    card = card_of(done, aw.branch2)
    Appeal.objects.create(
        scorecard=card,
        leaf=LeafScore.objects.filter(scorecard=card).first(),
        reason="理由",
        created_by=aw.cora,
    )
    Period.objects.filter(pk=done.pk).update(appeal_count=1, appeal_open_count=1)
    (appeals,) = _items(aw.alice, "assessment.appeals")
    assert appeals.count == 1
    assert _items(aw.dave, "assessment.appeals")[0].count == 0  # another mine
    with django_assert_max_num_queries(10):
        portal_todo.assessment_todo(aw.alice, None)


def test_a_big_period_bulletin_is_written_by_a_background_job(
    aw, client, period, monkeypatch, django_capture_on_commit_callbacks
):
    from dangjian.core.models import Job

    monkeypatch.setattr(bulletin, "BACKGROUND_CARDS", 3)  # the period has 4 cards
    client.force_login(aw.alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("assessment:bulletin_xlsx", args=[period.pk]))

    job = Job.objects.get(kind=bulletin.JOB_KIND, owner=aw.alice)
    assert response.status_code == 302
    assert response["Location"] == reverse("core:job_detail", args=[job.pk])
    assert job.status == Job.Status.DONE  # tasks run immediately in tests
    download = client.get(job.result_url)
    assert download.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(download.content))
    assert book.sheetnames == ["生产区队", "辅助区队", "扣分明细"]
    assert AuditEntry.objects.filter(action="assessment.bulletin_download", actor=aw.alice).exists()
    client.force_login(aw.lee)  # another user cannot take the file
    assert client.get(job.result_url).status_code == 404
    assert bulletin.bulletin_files_expire(now=job.created_at + bulletin.FILE_RETENTION * 2) == 1

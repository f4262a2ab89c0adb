"""缴费基数 pages: the year's list (with the members still without a base), one member's base,
and the salary Excel import (upload → preview of bad rows → confirm; the template)."""

import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.dues.models import BaseImport, DuesBase, HardshipStatus
from dangjian.dues.tests.conftest import give_base
from dangjian.members.tests.factories import make_member

D = Decimal
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def _today(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    with time_machine.travel(datetime.datetime(2026, 9, 10, 9, 0), tick=False):
        yield


def bases_state():
    return lambda: sorted(DuesBase.objects.values_list("member_id", "year", "monthly_amount"))


def test_the_list_answers_by_scope(client, world, zhang, wang):
    give_base(zhang, 2026)
    give_base(wang, 2026)
    result = assert_access_matrix(
        client,
        url=reverse("dues:bases") + f"?org={world.branch1.pk}&year=2026",
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect={"no_role": 403},
    )
    page = result.responses["in_scope"].content.decode()
    assert "张三" in page and "40.00" in page and "王五" not in page


def test_the_list_shows_the_members_still_without_a_base(client, world, zhang):
    make_member(world.branch1, "钱七")
    give_base(zhang, 2026)
    client.force_login(world.bob)
    response = client.get(reverse("dues:bases"), {"year": 2026, "missing": "1"})
    page = response.content.decode()
    assert response.context["missing_count"] == 1
    assert "钱七" in page and "核定" in page


def test_a_malformed_year_falls_back_to_this_year(client, world):
    client.force_login(world.bob)
    response = client.get(reverse("dues:bases"), {"year": "二〇二六"})
    assert response.status_code == 200 and response.context["year"] == 2026


def test_the_list_runs_the_same_queries_for_more_bases(
    client, world, django_assert_max_num_queries
):
    def add(count, start):
        for index in range(count):
            give_base(make_member(world.branch1, f"党员{start + index}"), 2026)

    client.force_login(world.bob)
    add(3, 0)
    url = reverse("dues:bases") + "?year=2026"
    with django_assert_max_num_queries(30) as first:
        client.get(url)
    add(12, 3)
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count('data-testid="base-row"') == 15


def test_the_list_shows_an_approved_hardship(client, world, zhang):
    from dangjian.dues.models import Hardship

    give_base(zhang, 2026)
    Hardship.objects.create(
        member=zhang,
        organization=world.branch1,
        kind="waive",
        first_month=datetime.date(2026, 3, 1),
        last_month=datetime.date(2026, 8, 1),
        reason="因病",
        status=HardshipStatus.APPROVED,
    )
    client.force_login(world.bob)
    page = client.get(reverse("dues:bases") + "?year=2026").content.decode()
    assert "免交" in page and "2026.3—2026.8" in page


def test_editing_a_base_prices_it_and_goes_back_to_the_list(client, world, zhang):
    client.force_login(world.bob)
    url = reverse("dues:base-edit", args=[zhang.pk, 2026])
    page = client.get(url).content.decode()
    assert "中组发〔2008〕3号" in page  # the rate table in force is shown beside the form
    response = client.post(url, {"category": "employed", "base": "5000.01"}, follow=True)
    assert "每月 75.00 元" in response.content.decode()
    assert DuesBase.objects.get(member=zhang, year=2026).monthly_amount == D("75.00")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"category": "employed", "base": ""}, "请填写计算基数"),
        ({"category": "employed", "base": "五千"}, "金额格式不正确"),
        ({"category": "employed", "base": "-1"}, "金额不能为负数"),
        ({"category": "wizard", "base": "100"}, "请从列表中选择党费类别"),
        ({"category": "farmer", "fixed_amount": "5"}, "不在范围内"),
    ],
)
def test_a_bad_base_is_explained_and_nothing_changes(client, world, zhang, data, message):
    client.force_login(world.bob)
    before = bases_state()()
    response = client.post(reverse("dues:base-edit", args=[zhang.pk, 2026]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert bases_state()() == before


def test_editing_a_base_answers_by_scope(client, world, zhang):
    assert_access_matrix(
        client,
        url=reverse("dues:base-edit", args=[zhang.pk, 2026]),
        method="post",
        data={"category": "employed", "base": "4000"},
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect={"in_scope": 302},
        state=bases_state(),
    )
    client.force_login(world.bob)
    assert client.get(reverse("dues:base-edit", args=[zhang.pk, 1900])).status_code == 404


# ---------------------------------------------------------------- the salary Excel


def salary_book(rows, header=("工号", "身份证号", "姓名", "计算基数", "党费类别", "备注")) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type=XLSX)


def test_the_import_pages_answer_by_scope(client, world):
    for name in ("dues:base-import", "dues:base-template"):
        assert_access_matrix(
            client,
            url=reverse(name),
            in_scope=world.bob,
            out_of_scope=world.dave,
            no_role=world.charlie,
            expect={"out_of_scope": 200, "no_role": 403},
        )


def test_the_template_downloads_as_an_xlsx(client, world):
    client.force_login(world.bob)
    response = client.get(reverse("dues:base-template"))
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"PK")


def test_an_import_with_bad_rows_lists_each_and_writes_nothing(client, world, zhang):
    client.force_login(world.bob)
    content = salary_book(
        [
            (zhang.person.work_number, "", "张三", "5000.01", "", ""),
            ("NOPE", "", "无名", "3000", "", ""),
            (zhang.person.work_number, "", "张叁", "3000", "", ""),
            ("", "", "李", "abc", "", ""),
        ]
    )
    response = client.post(
        reverse("dues:base-import"),
        {"organization": world.branch1.pk, "year": 2026, "file": upload("工资.xlsx", content)},
        follow=True,
    )
    page = response.content.decode()
    assert "整份文件没有导入" in page
    assert "找不到工号为“NOPE”的人员" in page
    assert "与系统中该人员的姓名“张三”不一致" in page
    assert "第 5 行" in page
    assert 'data-testid="confirm-import"' not in page
    assert not DuesBase.objects.exists()


def test_a_clean_import_previews_then_applies_once(client, world, zhang):
    client.force_login(world.bob)
    content = salary_book([(zhang.person.work_number, "", "张三", "5000.01", "", "")])
    response = client.post(
        reverse("dues:base-import"),
        {"organization": world.branch1.pk, "year": 2026, "file": upload("工资.xlsx", content)},
        follow=True,
    )
    page = response.content.decode()
    assert "还没有写入任何数据" in page and "5,000.01" in page and "75.00" in page
    assert not DuesBase.objects.exists()
    base_import = BaseImport.objects.get()
    url = reverse("dues:base-import-apply", args=[base_import.pk])
    page = client.post(url, follow=True).content.decode()
    assert "已按工资表核定 1 人" in page
    assert DuesBase.objects.get().monthly_amount == D("75.00")
    again = client.post(url, follow=True).content.decode()
    assert "不能导入" in again
    assert DuesBase.objects.count() == 1


def test_a_file_that_is_not_xlsx_is_refused_with_a_message(client, world):
    client.force_login(world.bob)
    response = client.post(
        reverse("dues:base-import"),
        {
            "organization": world.branch1.pk,
            "year": 2026,
            "file": upload("工资.xlsx", b"%PDF-1.4 not a workbook"),
        },
    )
    assert response.status_code == 400
    assert 'data-testid="field-error"' in response.content.decode()
    assert not BaseImport.objects.exists()


def test_nobody_imports_into_an_organisation_outside_their_scope(client, world, wang):
    client.force_login(world.bob)
    content = salary_book([(wang.person.work_number, "", "王五", "3000", "", "")])
    response = client.post(
        reverse("dues:base-import"),
        {"organization": world.branch3.pk, "year": 2026, "file": upload("工资.xlsx", content)},
    )
    assert response.status_code == 400
    assert "不在您的权限范围内" in response.content.decode()
    assert not BaseImport.objects.exists()


def test_an_import_is_seen_only_in_its_scope(
    client, world, zhang, django_capture_on_commit_callbacks
):
    client.force_login(world.bob)
    content = salary_book([(zhang.person.work_number, "", "张三", "3000", "", "")])
    client.post(
        reverse("dues:base-import"),
        {"organization": world.branch1.pk, "year": 2026, "file": upload("工资.xlsx", content)},
    )
    base_import = BaseImport.objects.get()
    assert_access_matrix(
        client,
        url=reverse("dues:base-import-detail", args=[base_import.pk]),
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
    )
    assert_access_matrix(
        client,
        url=reverse("dues:base-import-apply", args=[base_import.pk]),
        method="post",
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect={"in_scope": 302},
        state=bases_state(),
    )

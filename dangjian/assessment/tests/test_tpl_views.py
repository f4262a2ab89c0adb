"""指标体系 pages: the flows through the pages, the permission matrix (alice in scope, dave out
of scope, charlie without a role), refused writes, query counts that do not grow with rows."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from dangjian.assessment.models import Indicator, Template
from dangjian.assessment.services import templates as svc
from dangjian.assessment.standard_sheets import BRANCH_SHEET, install_standard_sheets
from dangjian.assessment.testing import leaf, make_period, make_template
from dangjian.audit.models import AuditEntry
from dangjian.core.testing.matrix import assert_access_matrix


@pytest.fixture
def aw(module_aw, db):
    return module_aw


def _token(response) -> str:
    return response.context["form_token"]


def _tree(template):
    return list(Indicator.objects.filter(template=template).order_by("pk").values())


def test_build_a_sheet_through_the_pages(aw, client):
    client.force_login(aw.alice)
    page = client.get(reverse("assessment:template_new"))
    assert page.status_code == 200
    assert [o.pk for o in page.context["form"].fields["owner"].queryset] == [aw.mine.pk]
    response = client.post(
        reverse("assessment:template_new"),
        {
            "form_token": _token(page),
            "owner": aw.mine.pk,
            "name": "区队党支部考核",
            "year": 2026,
            "target_kind": "organization",
            "description": "",
        },
    )
    template = Template.objects.get(name="区队党支部考核")
    detail = reverse("assessment:template_detail", args=[template.pk])
    assert response.status_code == 302 and response["Location"] == detail
    new = reverse("assessment:indicator_new", args=[template.pk])
    page = client.get(new)
    client.post(new, {"form_token": _token(page), "title": "组织建设"})
    category = Indicator.objects.get(template=template, level=1)
    page = client.get(f"{new}?parent={category.pk}")
    client.post(new, {"form_token": _token(page), "parent": category.pk, "title": "组织生活"})
    item = Indicator.objects.get(template=template, level=2)
    page = client.get(f"{new}?parent={item.pk}")
    html = page.content.decode()
    assert 'data-tpl-rule=""' in html and "好:5, 较好:3, 一般:1" in html
    response = client.post(
        new,
        {
            "form_token": _token(page),
            "parent": item.pk,
            "title": "宣传报道质量",
            "scoring_note": "按刊用情况评定",
            "rule_type": "graded",
            "levels": "好:5, 较好:3, 一般:1",
            "evidence_kinds": ["pdf", "image"],
            "scorer_role": "",
            "source": "",
            "again": "1",
        },
    )
    assert response["Location"].endswith(f"?parent={item.pk}")
    graded = Indicator.objects.get(template=template, level=3)
    assert (graded.code, graded.max_points, graded.evidence_kinds) == ("1.1.1", 5, ["image", "pdf"])
    # A second POST of the same form writes nothing.
    client.post(new, {"form_token": _token(page), "parent": item.pk, "title": "重复"})
    assert Indicator.objects.filter(template=template, level=3).count() == 1
    # A refused leaf shows the service's message and writes nothing.
    page = client.get(f"{new}?parent={item.pk}")
    response = client.post(
        new,
        {"form_token": _token(page), "parent": item.pk, "title": "坏", "rule_type": "bonus",
         "unit_points": "1"},
    )  # fmt: skip
    assert "加分细则须填写大于0的加分上限" in response.content.decode()
    assert Indicator.objects.filter(template=template, level=3).count() == 1
    # Edit.
    edit = reverse("assessment:indicator_edit", args=[graded.pk])
    page = client.get(edit)
    assert page.context["form"].initial["levels"] == "好:5, 较好:3, 一般:1"
    client.post(
        edit,
        {"title": "宣传报道及时、质量高", "rule_type": "deduction", "max_points": "4",
         "unit_points": "1", "floor_at_zero": "on", "unit_label": "次"},
    )  # fmt: skip
    graded.refresh_from_db()
    assert (graded.title, graded.rule_type, graded.max_points) == (
        "宣传报道及时、质量高",
        "deduction",
        4,
    )
    page = client.get(detail)
    html = page.content.decode()
    assert "合计4分（满分一般为100分，请核对）" in html
    assert 'data-testid="cat-sum-1">4分' in html
    assert html.count('data-testid="leaf-row"') == 1


def test_detail_shows_the_clerks_layout_and_total(aw, client):
    branch, member = install_standard_sheets(actor=aw.alice, owner=aw.mine, year=2026)
    client.force_login(aw.alice)
    html = client.get(reverse("assessment:template_detail", args=[branch.pk])).content.decode()
    for column in ("目标", "项目", "内容", "评分说明", "分值"):
        assert f">{column}</th>" in html
    assert "合计100分" in html and 'data-testid="tpl-footer-total">100<' in html
    assert (
        html.count('data-testid="leaf-row"')
        == Indicator.objects.filter(template=branch, level=3).count()
    )
    assert (
        "一票否决 1 条" in html and "三会一课落实情况" in html
    ) or "meetings.sanhui_yike" in html
    html = client.get(reverse("assessment:template_detail", args=[member.pk])).content.decode()
    assert "基础分 80 分，加分不超过 20 分，扣分不设上限，总分 0～100 分" in html


def test_move_and_delete_through_the_pages(aw, client):
    template = make_template(aw, name="移动")
    svc.renumber(template)
    client.force_login(aw.alice)
    second = leaf(template, "2")
    response = client.post(
        reverse("assessment:indicator_move", args=[second.pk]), {"direction": "up"}
    )
    assert response["Location"].endswith(f"#ind-{second.pk}")
    second.refresh_from_db()
    assert second.code == "1"
    response = client.post(
        reverse("assessment:indicator_move", args=[second.pk]), {"direction": "up"}, follow=True
    )
    assert "已经在最前面了" in response.content.decode()
    response = client.post(reverse("assessment:indicator_delete", args=[second.pk]), follow=True)
    assert "及其下 3 条指标" in response.content.decode()
    assert not Indicator.objects.filter(pk=second.pk).exists()


def test_settings_page(aw, client):
    template = make_template(aw, name="设置")
    url = reverse("assessment:template_settings", args=[template.pk])
    client.force_login(aw.alice)
    page = client.get(url)
    assert page.context["form"].initial["grade_bands"] == "优秀:16, 良好:12, 合格:9, 不合格:0"
    data = {
        "name": "设置",
        "description": "",
        "base_points": "0",
        "bonus_cap": "5",
        "min_total": "0",
        "max_total": "",
        "grade_bands": "优秀:90, 良好:80",
        "veto_effect": "zero",
        "annual_method": "weighted",
        "weight_month": "0.6",
        "weight_quarter": "0.4",
        "weight_year": "",
    }
    response = client.post(url, data)
    assert "最后一档最低分须为0" in response.content.decode()
    template.refresh_from_db()
    assert template.bonus_cap is None
    response = client.post(url, data | {"grade_bands": "优秀:90, 良好:80, 不合格:0"})
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.bonus_cap == 5 and template.veto_effect == "zero"
    assert template.annual_weights == {"month": 0.6, "quarter": 0.4}


def test_import_and_export_pages(aw, client):
    template = make_template(aw, name="导入导出")
    client.force_login(aw.alice)
    response = client.get(reverse("assessment:template_export", args=[template.pk]))
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A2"].value == "目标"
    assert AuditEntry.objects.filter(
        action="assessment.template_export", object_id=str(template.pk)
    ).exists()
    target = svc.template_create(actor=aw.alice, owner=aw.mine, name="导入目标", year=2026)
    url = reverse("assessment:template_import", args=[target.pk])
    page = client.get(url)
    upload = SimpleUploadedFile("指标.xlsx", response.content)
    result = client.post(url, {"form_token": _token(page), "file": upload}, follow=True)
    assert "已导入 6 条细则" in result.content.decode()
    assert Indicator.objects.filter(template=target, level=3).count() == 6
    # A bad file: the problems are listed, nothing changes.
    before = _tree(target)
    page = client.get(url)
    result = client.post(
        url,
        {"form_token": _token(page), "file": SimpleUploadedFile("a.xlsx", b"%PDF-1.4 x")},
    )
    html = result.content.decode()
    assert 'data-testid="import-problems"' in html and "只接受 Excel（.xlsx）" in html
    assert _tree(target) == before


def test_standard_sheets_and_copy_pages(aw, client):
    client.force_login(aw.alice)
    page = client.get(reverse("assessment:templates"))
    data = {"form_token": _token(page), "owner": aw.mine.pk, "year": 2028}
    response = client.post(reverse("assessment:template_standard"), data, follow=True)
    assert "已为一矿党委准备2028年标准模板" in response.content.decode()
    again = client.post(reverse("assessment:template_standard"), data, follow=True)
    assert "这份表单已经提交过" in again.content.decode()
    assert Template.objects.filter(owner=aw.mine, year=2028).count() == 2
    branch = Template.objects.get(owner=aw.mine, year=2028, name=BRANCH_SHEET)
    url = reverse("assessment:template_copy", args=[branch.pk])
    page = client.get(url)
    response = client.post(url, {"form_token": _token(page), "year": 2029, "name": branch.name})
    copy = Template.objects.get(owner=aw.mine, year=2029, name=BRANCH_SHEET)
    assert response["Location"] == reverse("assessment:template_detail", args=[copy.pk])
    assert copy.copied_from == branch and copy.version == 1
    html = client.get(reverse("assessment:templates") + "?year=2029").content.decode()
    assert html.count('data-testid="tpl-row"') == 1 and "复制自 2028年第1版" in html


def test_used_template_is_read_only_on_the_pages(aw, client):
    template = make_template(aw, name="只读")
    make_period(aw, template)
    client.force_login(aw.alice)
    detail = reverse("assessment:template_detail", args=[template.pk])
    html = client.get(detail).content.decode()
    assert 'data-testid="tpl-used"' in html and "复制为新版本" in html
    assert 'data-testid="edit-1.1.1"' not in html and 'data-testid="add-category"' not in html
    one = leaf(template, "1.1.1")
    for url in (
        reverse("assessment:indicator_edit", args=[one.pk]),
        reverse("assessment:template_settings", args=[template.pk]),
        reverse("assessment:template_import", args=[template.pk]),
        reverse("assessment:indicator_new", args=[template.pk]),
    ):
        response = client.get(url, follow=True)
        assert "该指标体系已用于考核，不能修改；请复制为新版本后修改。" in response.content.decode()
    before = _tree(template)
    response = client.post(reverse("assessment:indicator_delete", args=[one.pk]), follow=True)
    assert "已用于考核" in response.content.decode()
    assert _tree(template) == before
    response = client.post(
        reverse("assessment:template_active", args=[template.pk]), {"active": "0"}
    )
    template.refresh_from_db()
    assert template.is_active is False


def test_matrix_of_the_detail_and_export(aw, client):
    template = make_template(aw, name="矩阵")
    for name in ("assessment:template_detail", "assessment:template_export",
                 "assessment:template_copy", "assessment:template_settings",
                 "assessment:template_import", "assessment:indicator_new"):  # fmt: skip
        assert_access_matrix(
            client,
            url=reverse(name, args=[template.pk]),
            in_scope=aw.alice,
            out_of_scope=aw.dave,
            no_role=aw.charlie,
        )
    one = leaf(template, "1.1.1")
    assert_access_matrix(
        client,
        url=reverse("assessment:indicator_edit", args=[one.pk]),
        in_scope=aw.alice,
        out_of_scope=aw.dave,
        no_role=aw.charlie,
    )


def test_matrix_of_the_writes(aw, client):
    template = make_template(aw, name="写矩阵")
    one = leaf(template, "1.1.1")

    def state():
        return _tree(template), list(Template.objects.filter(pk=template.pk).values())

    assert_access_matrix(
        client,
        url=reverse("assessment:indicator_move", args=[one.pk]),
        method="post",
        data={"direction": "down"},
        in_scope=aw.alice,
        out_of_scope=aw.dave,
        no_role=aw.charlie,
        expect={"in_scope": 302},
        state=state,
    )
    assert_access_matrix(
        client,
        url=reverse("assessment:template_active", args=[template.pk]),
        method="post",
        data={"active": "0"},
        in_scope=aw.alice,
        out_of_scope=aw.dave,
        no_role=aw.charlie,
        expect={"in_scope": 302},
        state=state,
    )
    assert_access_matrix(
        client,
        url=reverse("assessment:template_delete", args=[template.pk]),
        method="post",
        data={},
        in_scope=aw.alice,
        out_of_scope=aw.dave,
        no_role=aw.charlie,
        expect={"in_scope": 302},
        state=state,
    )
    assert not Template.objects.filter(pk=template.pk).exists()


def test_list_scope(aw, client):
    mine = make_template(aw, name="一矿的")
    theirs = svc.template_create(actor=aw.dave, owner=aw.mine2, name="二矿的", year=2026)
    client.force_login(aw.dave)
    html = client.get(reverse("assessment:templates")).content.decode()
    assert "二矿的" in html and "一矿的" not in html
    client.force_login(aw.alice)
    html = client.get(reverse("assessment:templates")).content.decode()
    assert "一矿的" in html and "二矿的" not in html
    for user in (aw.charlie, aw.bob, aw.pete):
        client.force_login(user)
        assert client.get(reverse("assessment:templates")).status_code == 404
        assert client.get(reverse("assessment:template_new")).status_code == 404
    client.force_login(aw.dave)
    response = client.post(
        reverse("assessment:template_standard"), {"owner": aw.mine.pk, "year": 2026}, follow=True
    )
    assert "请选择制定单位" in response.content.decode()
    assert not Template.objects.filter(owner=aw.mine, name=BRANCH_SHEET).exists()
    del mine, theirs


def _templates(aw, count):
    for n in range(count):
        Template.objects.create(owner=aw.mine, name=f"查询{n:02d}", year=2031, created_by=aw.alice)


@pytest.mark.parametrize("count", [2, 20])
def test_list_queries_do_not_grow(aw, client, count, django_assert_max_num_queries):
    _templates(aw, count)
    client.force_login(aw.alice)
    client.get(reverse("assessment:templates"))  # warm the session and scope
    with django_assert_max_num_queries(8):
        response = client.get(reverse("assessment:templates") + "?year=2031")
    assert response.content.decode().count('data-testid="tpl-row"') == count


def test_detail_queries_do_not_grow_with_the_tree(aw, client):
    small = make_template(aw, name="小")
    big, _ = install_standard_sheets(actor=aw.alice, owner=aw.mine, year=2026)
    client.force_login(aw.alice)
    counts = []
    for template in (small, big):
        url = reverse("assessment:template_detail", args=[template.pk])
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] and counts[1] <= 12


def test_copy_page_offers_this_year_for_last_years_sheet(aw, client):
    import datetime as dt

    import time_machine

    template = make_template(aw, name="去年的", year=2026)
    url = reverse("assessment:template_copy", args=[template.pk])
    for now, year in ((dt.datetime(2027, 1, 10, 9, tzinfo=dt.UTC), 2027),
                      (dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC), 2026)):  # fmt: skip
        with time_machine.travel(now, tick=False):
            client.force_login(aw.alice)
            assert client.get(url).context["form"].initial["year"] == year

"""Templates as Excel in the clerks' layout: export → import gives the same tree; a clerk's
five-column sheet imports; a bad file or bad rows are refused with one message per row and
nothing written."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from dangjian.assessment import excel
from dangjian.assessment.models import Indicator, RuleType
from dangjian.assessment.services import templates as svc
from dangjian.assessment.standard_sheets import install_standard_sheets
from dangjian.assessment.testing import make_period, make_template
from dangjian.audit.models import AuditEntry
from dangjian.core.exceptions import ServiceError

FIELDS = [
    "code", "level", "title", "scoring_note", "max_points", "rule_type", "unit_points",
    "unit_label", "floor_at_zero", "levels", "bonus_cap", "veto", "evidence_kinds",
    "evidence_note", "scorer_role", "source", "parent__code",
]  # fmt: skip


@pytest.fixture
def aw(module_aw, db):
    return module_aw


def _tree(template):
    rows = Indicator.objects.filter(template=template).order_by("level", "code").values(*FIELDS)
    return [dict(row) for row in rows]


def _upload(data: bytes, name="指标.xlsx"):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def _sheet(rows, header=("目标", "项目", "内容", "评分说明", "分值"), title=True) -> bytes:
    book = Workbook()
    sheet = book.active
    if title:
        sheet.append(["2026年党支部考核评分细则"])
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def _empty_copy(aw, template, name):
    target = svc.template_create(actor=aw.alice, owner=aw.mine, name=name, year=2026)
    return target


def test_round_trip_of_the_test_sheet(aw):
    template = make_template(aw, name="往返")
    svc.renumber(template)
    data = excel.template_workbook(template)
    sheet = load_workbook(io.BytesIO(data)).active
    assert [cell.value for cell in sheet[2]][:5] == ["目标", "项目", "内容", "评分说明", "分值"]
    assert sheet["A3"].value == "组织建设" and sheet["C3"].value == "三会一课按期召开，记录完整"
    assert "A3:A4" in {str(r) for r in sheet.merged_cells.ranges}  # 目标 merged over its rows
    target = _empty_copy(aw, template, "往返导入")
    count = svc.template_import(actor=aw.alice, template=target, file=_upload(data))
    assert count == 6
    assert _tree(target) == _tree(template)
    assert AuditEntry.objects.filter(
        action="assessment.template_import", object_id=str(target.pk)
    ).exists()


def test_round_trip_of_the_standard_sheets(aw):
    branch, member = install_standard_sheets(actor=aw.alice, owner=aw.mine, year=2030)
    for template in (branch, member):
        data = excel.template_workbook(template)
        target = svc.template_create(
            actor=aw.alice,
            owner=aw.mine,
            name=f"{template.name}导入",
            year=2030,
            target_kind=template.target_kind,
        )
        svc.template_import(actor=aw.alice, template=target, file=_upload(data))
        assert _tree(target) == _tree(template)


def test_import_replaces_the_tree(aw):
    template = make_template(aw, name="替换")
    data = _sheet([("支部建设", "组织生活", "三会一课", "每缺一次扣1分", 5)])
    assert svc.template_import(actor=aw.alice, template=template, file=_upload(data)) == 1
    assert list(Indicator.objects.filter(template=template).values_list("code", flat=True)) == [
        "1",
        "1.1",
        "1.1.1",
    ]


def test_a_clerks_five_column_sheet(aw):
    rows = [
        ("支部建设（13分）", "组织生活", "支委会研究决定重大事项", "无记录扣2分", "2分"),
        (None, None, "三会一课按期召开", "每缺一次会议扣1分，扣完为止", 5),
        (None, "基础工作", "年度计划、总结", "无计划扣0.5分；无总结扣0.5分", 1),
        ("支部建设（13分）", "基础工作", "制度健全", "制度不全的不得分", 1),  # repeated titles
        ("宣传思想", "宣传工作", None, None, None),  # an empty item
        ("合计", None, None, None, 9),
    ]
    template = svc.template_create(actor=aw.alice, owner=aw.mine, name="五列", year=2026)
    count = svc.template_import(actor=aw.alice, template=template, file=_upload(_sheet(rows)))
    assert count == 4
    nodes = {n.code: n for n in Indicator.objects.filter(template=template)}
    assert nodes["1"].title == "支部建设（13分）" and nodes["2.1"].title == "宣传工作"
    assert [code for code in nodes if code.startswith("1.2.")] == ["1.2.1", "1.2.2"]
    assert all(nodes[c].rule_type == RuleType.DEDUCTION for c in ("1.1.1", "1.1.2", "1.2.1"))
    assert nodes["1.1.1"].unit_points == 2  # from "扣2分"
    assert nodes["1.1.2"].unit_points == 1
    assert nodes["1.2.1"].unit_points == 0.5
    assert nodes["1.2.2"].unit_points == 1  # no "扣X分": the whole 分值
    assert "2" not in {n.code for n in nodes.values() if n.level == 3}


def test_bad_rows_each_named_and_nothing_written(aw):
    template = make_template(aw, name="坏行")
    before = _tree(template)
    header = ("目标", "项目", "内容", "评分说明", "分值", "评分方式", "每次分值", "档次",
              "加分上限",
              "一票否决", "佐证材料", "评分部门", "自动计算")  # fmt: skip
    rows = [
        ("支部建设", "组织生活", "正确的细则", "扣1分", 5, "按次扣分", 1),
        (None, None, "分值不是数字", "", "五分", "按次扣分", 1),
        (None, None, "评分方式不对", "", 2, "打分"),
        (None, None, "档次为空", "", 3, "分档评分"),
        (None, None, "加分无上限", "", 0, "加分", 1),
        (None, None, "部门不存在", "", 2, "达标得分", None, None, None, None, None, "宣传科"),
        (None, None, "来源不存在", "", 2, "按次扣分", 1, *[None] * 5, "点赞数"),
        (None, None, "否决写错", "", 2, "达标得分", None, None, None, "要"),
        (None, None, "材料写错", "", 2, "达标得分", None, None, None, None, "视频"),
    ]
    data = _sheet(rows, header=header)
    with pytest.raises(ServiceError) as caught:
        svc.template_import(actor=aw.alice, template=template, file=_upload(data))
    messages = caught.value.messages
    assert messages == [
        "第4行：分值须为数字",
        "第5行：评分方式“打分”应为按次扣分、达标得分、分档评分或加分",
        "第6行：分档评分的细则须填写档次，例如“好:5, 较好:3, 一般:1”",
        "第7行：加分细则须填写大于0的加分上限",
        "第8行：评分部门“宣传科”不存在（可填：党委办公室、宣传部长、组织部）",
        "第9行：自动计算来源“点赞数”不存在",
        "第10行：一票否决须填“是”或“否”",
        "第11行：佐证材料“视频”应为图片、PDF、Word或Excel",
    ]
    assert _tree(template) == before


def test_rows_without_header_or_parents(aw):
    template = svc.template_create(actor=aw.alice, owner=aw.mine, name="无表头", year=2026)
    with pytest.raises(ServiceError, match="找不到表头"):
        svc.template_import(
            actor=aw.alice,
            template=template,
            file=_upload(_sheet([("a", "b")], header=("名称", "分数"))),
        )
    with pytest.raises(ServiceError) as caught:
        svc.template_import(
            actor=aw.alice,
            template=template,
            file=_upload(_sheet([(None, None, "孤立的细则", "", 2)], title=False)),
        )
    assert caught.value.messages == ["第2行：细则“孤立的细则”上面没有“项目”，请填写项目"]
    with pytest.raises(ServiceError, match="没有细则"):
        svc.template_import(
            actor=aw.alice, template=template, file=_upload(_sheet([("支部建设", "组织生活")]))
        )
    assert not Indicator.objects.filter(template=template).exists()


def test_many_bad_rows_are_cut_short(aw):
    template = svc.template_create(actor=aw.alice, owner=aw.mine, name="很多坏行", year=2026)
    rows = [("支部建设", "组织生活", f"细则{n}", "", "x") for n in range(40)]
    rows[0] = ("支部建设", "组织生活", "细则0", "", "x")
    with pytest.raises(ServiceError) as caught:
        svc.template_import(actor=aw.alice, template=template, file=_upload(_sheet(rows)))
    assert len(caught.value.messages) == 31
    assert caught.value.messages[-1] == "……另有10行有问题"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.4 not a sheet", "指标表格格式不对（实际是 PDF），只接受 Excel（.xlsx）"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "实际是 Word/Excel 97-2003"),
        (b"", "空文件"),
        (b"PK\x03\x04 broken zip", "格式不对"),
    ],
)
def test_only_xlsx_files(aw, data, message):
    template = make_template(aw, name="文件类型")
    before = _tree(template)
    with pytest.raises(ServiceError, match=message):
        svc.template_import(actor=aw.alice, template=template, file=_upload(data, "a.xlsx"))
    assert _tree(template) == before


def test_import_refused_once_used(aw):
    template = make_template(aw, name="已用导入")
    make_period(aw, template)
    data = excel.template_workbook(template)
    with pytest.raises(ServiceError, match="已用于考核"):
        svc.template_import(actor=aw.alice, template=template, file=_upload(data))


def test_round_trip_keeps_empty_categories_and_items(aw):
    template = make_template(aw, name="空节点")
    svc.renumber(template)
    empty = svc.indicator_create(actor=aw.alice, template=template, title="待补充的类别")
    svc.indicator_create(
        actor=aw.alice, template=template, parent=leaf_of(template, "1"), title="待补充的项目"
    )
    data = excel.template_workbook(template)
    target = svc.template_create(actor=aw.alice, owner=aw.mine, name="空节点导入", year=2026)
    svc.template_import(actor=aw.alice, template=target, file=_upload(data))
    assert _tree(target) == _tree(template)
    assert Indicator.objects.get(template=target, title=empty.title).code == "5"
    assert Indicator.objects.get(template=target, title="待补充的项目").code == "1.2"


def leaf_of(template, code):
    return Indicator.objects.get(template=template, code=code)

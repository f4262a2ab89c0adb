"""Indicator template services: validation of every field, codes and positions, copies, the
freeze once a period uses the template, permissions and audit."""

from decimal import Decimal

import pytest
from django.utils import timezone

from dangjian.accounts.models import Role
from dangjian.assessment import engine
from dangjian.assessment.models import Indicator, RuleType, TargetKind, Template
from dangjian.assessment.services import templates as svc
from dangjian.assessment.testing import leaf, make_period, make_template
from dangjian.audit.models import AuditEntry
from dangjian.core.exceptions import ServiceError


@pytest.fixture
def aw(module_aw, db):
    return module_aw


def _codes(template):
    return list(
        Indicator.objects.filter(template=template)
        .order_by("position")
        .values_list("code", "title")
    )


def _new(aw, **settings):
    return svc.template_create(
        actor=aw.alice, owner=aw.mine, name="测试考核", year=2026, **settings
    )


def _leaf_fields(**extra):
    return {
        "title": "细则",
        "max_points": "5",
        "rule_type": RuleType.DEDUCTION,
        "unit_points": "1",
    } | extra


def test_create_versions_and_audit(aw):
    first = _new(aw)
    second = _new(aw)
    assert (first.version, second.version) == (1, 2)
    assert first.is_editable and first.target_kind == TargetKind.ORGANIZATION
    assert AuditEntry.objects.filter(
        action="assessment.template_create", object_id=str(second.pk)
    ).exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": ""}, "请填写指标体系名称"),
        ({"year": "20x6"}, "年度须为四位数字"),
        ({"year": 1990}, "年度须在2000～2100之间"),
        ({"target_kind": "team"}, "请选择考核对象"),
        ({"base_points": "abc"}, "基础分须为数字"),
        ({"base_points": "-1"}, "基础分不能为负数"),
        ({"bonus_cap": "1.234"}, "加分上限最多两位小数"),
        ({"min_total": "60", "max_total": "50"}, "总分下限不能高于总分上限"),
        ({"base_points": "80", "max_total": "60"}, "基础分不能高于总分上限"),
        ({"grade_bands": "优秀:90, 良好:80"}, "最后一档最低分须为0"),
        ({"grade_bands": "优秀:90, 优秀:0"}, "重复"),
        ({"grade_bands": "优秀90"}, "名称:分值"),
        ({"veto_effect": "half"}, "请选择一票否决的后果"),
        ({"annual_method": "weighted"}, "请至少填写一种周期的权重"),
        ({"annual_weights": {"month": "-1"}}, "月度权重须为0～100之间的数字"),
        ({"annual_weights": {"week": 1}}, "未知的年度权重"),
    ],
)
def test_create_refuses_bad_settings(aw, kwargs, message):
    data = {"name": "测试考核", "year": 2026} | kwargs
    with pytest.raises(ServiceError, match=message):
        svc.template_create(actor=aw.alice, owner=aw.mine, **data)
    assert not Template.objects.filter(owner=aw.mine, name="测试考核").exists()


def test_settings_are_stored_cleaned(aw):
    template = _new(
        aw,
        base_points="80",
        bonus_cap="20",
        min_total="0",
        max_total="100",
        grade_bands="合格:60, 优秀:90, 不合格:0",
        annual_method="weighted",
        annual_weights={"month": "0.6", "quarter": "0.4", "year": ""},
    )
    assert template.base_points == Decimal("80.00")
    assert [band["label"] for band in template.grade_bands] == ["优秀", "合格", "不合格"]
    assert template.annual_weights == {"month": 0.6, "quarter": 0.4}


def test_dave_cannot_manage_the_mine(aw):
    with pytest.raises(ServiceError, match="没有管理"):
        svc.template_create(actor=aw.dave, owner=aw.mine, name="越权", year=2026)
    template = make_template(aw)
    with pytest.raises(ServiceError, match="没有管理"):
        svc.indicator_create(actor=aw.dave, template=template, title="越权类别")
    with pytest.raises(ServiceError, match="没有管理"):
        svc.template_copy(actor=aw.bob, template=template)


def test_tree_codes_positions_and_levels(aw):
    template = _new(aw)
    a = svc.indicator_create(actor=aw.alice, template=template, title="组织建设")
    b = svc.indicator_create(actor=aw.alice, template=template, title="宣传思想")
    a1 = svc.indicator_create(actor=aw.alice, template=template, parent=a, title="组织生活")
    leaf1 = svc.indicator_create(
        actor=aw.alice, template=template, parent=a1, **_leaf_fields(title="三会一课")
    )
    leaf2 = svc.indicator_create(
        actor=aw.alice, template=template, parent=a1, **_leaf_fields(title="支委会")
    )
    b1 = svc.indicator_create(actor=aw.alice, template=template, parent=b, title="宣传工作")
    assert (a.level, a1.level, leaf1.level) == (1, 2, 3)
    assert _codes(template) == [
        ("1", "组织建设"),
        ("1.1", "组织生活"),
        ("1.1.1", "三会一课"),
        ("1.1.2", "支委会"),
        ("2", "宣传思想"),
        ("2.1", "宣传工作"),
    ]
    # A leaf inserted right after the first one.
    svc.indicator_create(
        actor=aw.alice, template=template, parent=a1, after=leaf1, **_leaf_fields(title="插入")
    )
    assert [c for c, _ in _codes(template)][1:5] == ["1.1", "1.1.1", "1.1.2", "1.1.3"]
    assert {t: c for c, t in _codes(template)}["插入"] == "1.1.2"
    # Moving a category moves its subtree and renumbers it.
    svc.indicator_move(actor=aw.alice, indicator=b, direction="up")
    assert _codes(template)[:2] == [("1", "宣传思想"), ("1.1", "宣传工作")]
    assert {t: c for c, t in _codes(template)}["支委会"] == "2.1.3"
    with pytest.raises(ServiceError, match="已经在最前面了"):
        svc.indicator_move(actor=aw.alice, indicator=b, direction="up")
    with pytest.raises(ServiceError, match="已经在最后面了"):
        svc.indicator_move(actor=aw.alice, indicator=leaf2, direction="down")
    # Leaves sort in sheet order by position alone (the engine relies on it).
    assert [i.title for i in engine.template_leaves(template)] == ["三会一课", "插入", "支委会"]
    # Delete a subtree: codes close up.
    removed = svc.indicator_delete(actor=aw.alice, indicator=b)
    assert removed == 2
    assert _codes(template)[0] == ("1", "组织建设")
    with pytest.raises(ServiceError, match="细则下不能再添加下级指标"):
        svc.indicator_create(actor=aw.alice, template=template, parent=leaf1, title="x")
    del b1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": " "}, "请填写名称"),
        ({"rule_type": "other"}, "请选择评分方式"),
        ({"max_points": "五"}, "分值须为数字"),
        ({"max_points": "-2"}, "分值不能为负数"),
        ({"max_points": "0"}, "分值须大于0"),
        ({"unit_points": "0"}, "每次扣分须大于0"),
        ({"unit_points": ""}, "每次扣分须大于0"),
        ({"rule_type": "binary", "max_points": "0"}, "达标得分的细则，分值须大于0"),
        ({"rule_type": "graded", "levels": ""}, "须填写档次"),
        ({"rule_type": "graded", "levels": "好5"}, "名称:分值"),
        ({"rule_type": "graded", "levels": "好:5, 好:3"}, "档次“好”重复"),
        ({"rule_type": "graded", "levels": "好:4, 一般:1"}, "最高档（4分）须等于细则分值（5分）"),
        ({"rule_type": "bonus", "unit_points": "0"}, "每次加分须大于0"),
        ({"rule_type": "bonus", "bonus_cap": ""}, "须填写大于0的加分上限"),
        ({"rule_type": "bonus", "unit_points": "2", "bonus_cap": "1"}, "加分上限不能小于每次加分"),
        ({"rule_type": "bonus", "bonus_cap": "2", "veto": True}, "加分细则不能设为一票否决"),
        ({"evidence_kinds": ["video"]}, "未知的佐证材料类型"),
        ({"evidence_note": "长" * 301}, "不能超过300字"),
        ({"source": "clicks.likes"}, "自动计算来源“clicks.likes”不存在"),
        ({"source": "meetings.member_attendance"}, "不适用于本考核对象"),
        ({"rule_type": "graded", "levels": "好:5", "source": "dues.on_time"}, "不能自动计算"),
    ],
)
def test_leaf_validation(aw, fields, message):
    template = make_template(aw, name="校验")
    item = leaf(template, "1.1")
    before = Indicator.objects.filter(template=template).count()
    with pytest.raises(ServiceError, match=message):
        svc.indicator_create(
            actor=aw.alice, template=template, parent=item, **_leaf_fields(**fields)
        )
    assert Indicator.objects.filter(template=template).count() == before


def test_scorer_role_must_score(aw):
    template = make_template(aw, name="角色")
    secretary = Role.objects.get(code="branch_secretary")
    with pytest.raises(ServiceError, match="没有评分权限"):
        svc.indicator_create(
            actor=aw.alice,
            template=template,
            parent=leaf(template, "1.1"),
            **_leaf_fields(scorer_role=secretary),
        )
    assert "宣传部长" in [role.name for role in svc.scorer_roles()]
    assert "党支部书记" not in [role.name for role in svc.scorer_roles()]


def test_every_rule_type_is_stored_as_the_engine_reads_it(aw):
    template = make_template(aw, name="规则")
    item = leaf(template, "1.1")
    office = Role.objects.get(code="party_office")
    graded = svc.indicator_create(
        actor=aw.alice,
        template=template,
        parent=item,
        **_leaf_fields(
            rule_type="graded", max_points="", levels="好:5, 较好:3, 一般:1", unit_points=""
        ),
    )
    assert graded.max_points == Decimal("5.00")
    assert graded.levels == [
        {"label": "好", "points": 5},
        {"label": "较好", "points": 3},
        {"label": "一般", "points": 1},
    ]
    assert engine.leaf_points(graded, level="较好") == Decimal("3.00")
    bonus = svc.indicator_create(
        actor=aw.alice,
        template=template,
        parent=item,
        **_leaf_fields(rule_type="bonus", max_points="9", unit_points="0.5", bonus_cap="2"),
    )
    assert bonus.max_points == 0 and bonus.bonus_cap == Decimal("2.00")
    assert engine.leaf_points(bonus, occurrences=10) == Decimal("2.00")
    deduction = svc.indicator_create(
        actor=aw.alice,
        template=template,
        parent=item,
        **_leaf_fields(
            unit_points="1",
            floor_at_zero=True,
            evidence_kinds=["pdf", "image"],
            scorer_role=office,
            source="documents.sign_timeliness",
        ),
    )
    assert deduction.evidence_kinds == ["image", "pdf"]  # in the form's order
    assert deduction.scorer_role == office
    assert engine.leaf_points(deduction, occurrences=9) == 0  # 扣完为止
    uncapped = svc.indicator_create(
        actor=aw.alice,
        template=template,
        parent=item,
        **_leaf_fields(max_points="0", unit_points="2", floor_at_zero=False),
    )
    assert engine.leaf_points(uncapped, occurrences=3) == Decimal("-6.00")
    veto = svc.indicator_create(
        actor=aw.alice,
        template=template,
        parent=item,
        **_leaf_fields(rule_type="binary", max_points="0", veto=True),
    )
    assert veto.veto
    updated = svc.indicator_update(actor=aw.alice, indicator=graded, levels="好:4, 差:0")
    assert updated.max_points == Decimal("4.00")
    with pytest.raises(ServiceError, match="类别和项目没有分值"):
        svc.indicator_update(actor=aw.alice, indicator=item, max_points="3")
    assert AuditEntry.objects.filter(
        action="assessment.indicator_update", object_id=str(graded.pk)
    ).exists()


def test_every_edit_is_refused_once_used(aw):
    template = make_template(aw, name="已用")
    make_period(aw, template)
    template.refresh_from_db()
    assert template.used_at is not None
    one = leaf(template, "1.1.1")
    snapshot = list(Indicator.objects.filter(template=template).values())
    calls = [
        lambda: svc.indicator_create(actor=aw.alice, template=template, title="新类别"),
        lambda: svc.indicator_update(actor=aw.alice, indicator=one, title="改名"),
        lambda: svc.indicator_delete(actor=aw.alice, indicator=one),
        lambda: svc.indicator_move(actor=aw.alice, indicator=one, direction="down"),
        lambda: svc.template_update(actor=aw.alice, template=template, base_points="10"),
        lambda: svc.template_update(actor=aw.alice, template=template, name="新名"),
    ]
    for call in calls:
        with pytest.raises(ServiceError, match="已用于考核，不能修改；请复制为新版本后修改"):
            call()
    with pytest.raises(ServiceError, match="不能删除"):
        svc.template_delete(actor=aw.alice, template=template)
    assert list(Indicator.objects.filter(template=template).values()) == snapshot
    # Retiring a used version is allowed.
    svc.template_update(actor=aw.alice, template=template, is_active=False)
    template.refresh_from_db()
    assert template.is_active is False


def test_copy_same_year_and_next_year(aw):
    template = make_template(aw, name="复制")
    Template.objects.filter(pk=template.pk).update(used_at=timezone.now(), bonus_cap=5)
    copy = svc.template_copy(actor=aw.alice, template=template)
    assert (copy.year, copy.name, copy.version) == (2026, "复制", 2)
    assert copy.copied_from == template and copy.is_editable and copy.bonus_cap == 5
    fields = ["code", "title", "level", "max_points", "rule_type", "unit_points",
              "levels", "bonus_cap", "veto", "evidence_kinds", "scorer_role", "source"]  # fmt: skip

    def tree(t):
        rows = Indicator.objects.filter(template=t).order_by("level", "code").values(*fields)
        return [dict(row) for row in rows]

    assert tree(copy) == tree(template) and len(tree(copy)) == 14
    parents = dict(Indicator.objects.filter(template=copy).values_list("code", "parent__code"))
    assert parents["1.1.1"] == "1.1" and parents["1.1"] == "1" and parents["1"] is None
    assert not Indicator.objects.filter(template=copy, parent__template=template).exists()
    next_year = svc.template_copy(actor=aw.alice, template=template, year=2027)
    assert (next_year.year, next_year.version) == (2027, 1)
    again = svc.template_copy(actor=aw.alice, template=template, year=2027)
    assert again.version == 2
    # The copy is editable while the original stays frozen.
    svc.indicator_update(actor=aw.alice, indicator=leaf(copy, "1.1.1"), title="改过的")
    assert leaf(template, "1.1.1").title == "三会一课按期召开，记录完整"


def test_delete_unused_template(aw):
    template = make_template(aw, name="删除")
    pk = template.pk
    svc.template_delete(actor=aw.alice, template=template)
    assert not Template.objects.filter(pk=pk).exists()
    assert not Indicator.objects.filter(template_id=pk).exists()
    assert AuditEntry.objects.filter(
        action="assessment.template_delete", object_id=str(pk)
    ).exists()


def test_parse_helpers():
    assert svc.parse_levels("好：5，较好:3.5；一般:1") == [
        {"label": "好", "points": 5},
        {"label": "较好", "points": 3.5},
        {"label": "一般", "points": 1},
    ]
    assert svc.levels_text([{"label": "好", "points": 5}, {"label": "差", "points": 0}]) == (
        "好:5, 差:0"
    )
    assert svc.parse_number("2分") == Decimal("2")
    assert svc.parse_number("+0.5") == Decimal("0.5")
    assert svc.parse_number("两分") is None
    assert svc.parse_number("nan") is None


def test_a_version_taken_at_the_same_moment_is_refused(aw, monkeypatch):
    _new(aw)
    monkeypatch.setattr(svc, "_next_version", lambda owner, year, name: 1)
    with pytest.raises(ServiceError, match="第1版刚刚由他人建立，请刷新后重试"):
        _new(aw)
    assert Template.objects.filter(owner=aw.mine, name="测试考核").count() == 1

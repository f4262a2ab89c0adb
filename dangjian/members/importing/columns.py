"""The columns of a roster: template header, the record field, how a cell is read, the header
variants clerks use, and the code lists of the choice columns (Chinese labels in the file)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from dangjian.members.models.choices import (
    ETHNICITY_CHOICES,
    Category,
    Degree,
    Education,
    EducationMode,
    Employment,
    Gender,
    Occupation,
    SkillLevel,
    TitleLevel,
)

TEXT, ID_NUMBER, DATE, CHOICE, DIGITS = "text", "id_number", "date", "choice", "digits"
ORGANIZATION, PARTY_GROUP, UNIT = "organization", "party_group", "unit"


@dataclass(frozen=True)
class Column:
    header: str  # as in the template, without the required mark
    field: str  # Person / Member field (check_record's key)
    kind: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    choices: tuple[tuple[str, str], ...] = ()  # (code, label)
    extra_labels: tuple[tuple[str, str], ...] = ()  # (other spelling, code)
    help: str = ""
    width: int = 12
    example: str = ""

    @property
    def title(self) -> str:
        return f"{self.header}*" if self.required else self.header

    @property
    def labels(self) -> list[str]:
        return [label for _, label in self.choices]


def _choices(choices) -> tuple[tuple[str, str], ...]:
    return tuple((code, str(label)) for code, label in choices)


COLUMNS: tuple[Column, ...] = (
    Column("姓名", "name", TEXT, True, ("党员姓名", "名字"),
           help="与身份证一致；少数民族姓名中的间隔号用“·”。", width=10, example="张三"),
    Column("身份证号", "id_number", ID_NUMBER, True,
           ("身份证号码", "公民身份号码", "公民身份证号码", "身份证", "证件号码", "身份证件号码"),
           help="18 位（旧版 15 位会自动转为 18 位）。请把这一列设置为“文本”格式，"
                "否则 Excel 会把号码变成科学计数法并丢掉后几位。"
                "已登记的身份证号更新原有档案。",
           width=21),
    Column("性别", "gender", CHOICE, aliases=("性 别",), choices=_choices(Gender.choices),
           extra_labels=(("男性", "male"), ("女性", "female")),
           help="男 / 女；不填时按身份证号第 17 位确定，填了须与身份证号一致。", width=6,
           example="男"),
    Column("出生日期", "birth_date", DATE, aliases=("出生年月日", "出生年月", "生日"),
           help="不填时取自身份证号，填了须与身份证号一致。", width=12, example="1985-06-15"),
    Column("民族", "ethnicity", CHOICE, choices=_choices(ETHNICITY_CHOICES),
           help="56 个民族之一，如“汉族”（写“汉”也可以）；不填按汉族。", width=8, example="汉族"),
    Column("籍贯", "native_place", TEXT, help="如“河南平顶山”。", width=12, example="河南平顶山"),
    Column("学历", "education", CHOICE, aliases=("最高学历", "文化程度"),
           choices=_choices(Education.choices),
           extra_labels=(("博士", "doctorate"), ("硕士", "master"), ("研究生", "master"),
                         ("本科", "bachelor"), ("大专", "college"), ("专科", "college"),
                         ("高中", "high_school"), ("职高", "high_school"), ("技校", "high_school"),
                         ("初中", "junior_or_below"), ("小学", "junior_or_below")),
           help="按党内统计口径填写最高学历。", width=14, example="大学本科"),
    Column("学位", "degree", CHOICE, aliases=("最高学位",), choices=_choices(Degree.choices),
           help="博士 / 硕士 / 学士 / 无。", width=6, example="学士"),
    Column("教育类别", "education_mode", CHOICE, aliases=("学历类别", "教育形式", "学习形式"),
           choices=_choices(EducationMode.choices), help="全日制 / 在职。", width=9,
           example="全日制"),
    Column("毕业院校", "school", TEXT, aliases=("毕业学校",), width=16, example="中国矿业大学"),
    Column("所学专业", "major", TEXT, aliases=("专业",), width=14, example="采矿工程"),
    Column("工号", "work_number", DIGITS, aliases=("职工号", "员工编号", "工作证号", "职工编号"),
           help="单位内唯一；已被其他人员使用的工号不能导入。", width=10, example="100235"),
    Column("行政单位", "unit", UNIT, aliases=("所在单位", "工作单位", "所在区队", "区队科室"),
           help="填写已登记的行政单位名称或代码，如“综采一队”。", width=12, example="综采一队"),
    Column("岗位", "post", TEXT, aliases=("工作岗位", "现岗位"), width=12, example="采煤机司机"),
    Column("职业类别", "occupation", CHOICE, aliases=("职业", "岗位类别"),
           choices=_choices(Occupation.choices), help="按党内统计口径填写。", width=13,
           example="工人"),
    Column("职称级别", "title_level", CHOICE, choices=_choices(TitleLevel.choices),
           extra_labels=(("正高", "senior"), ("副高", "associate_senior")),
           help="正高级 / 副高级 / 中级 / 初级 / 无。", width=9, example="无"),
    Column("职称", "title", TEXT, aliases=("专业技术职务", "职称名称"), width=12, example=""),
    Column("技能等级", "skill_level", CHOICE, aliases=("技能鉴定等级", "工人技术等级"),
           choices=_choices(SkillLevel.choices), width=10, example="高级工"),
    Column("手机号", "mobile", DIGITS, aliases=("手机", "手机号码", "联系电话", "电话", "联系方式"),
           help="11 位手机号。", width=13, example="13812345678"),
    Column("家庭住址", "address", TEXT, aliases=("住址", "家庭地址", "现住址", "现居住地"),
           width=24, example="河南省平顶山市新华区矿工路 1 号"),
    Column("在岗状态", "employment", CHOICE, aliases=("人员状态", "工作状态"),
           choices=_choices(Employment.choices),
           extra_labels=(("退休", "retired"), ("离休", "retired"), ("离退休人员", "retired")),
           help="在岗 / 离退休 / 内退 / 调出；不填按在岗。", width=9, example="在岗"),
    Column("所在党支部", "organization", ORGANIZATION, True,
           ("党支部", "所在支部", "所属党支部", "所在党组织", "所属党组织", "党组织", "支部"),
           help="党员组织关系所在的党支部：全称、简称或组织代码均可，须在本次导入选择的"
                "党组织之内。不能填党小组。", width=18, example="综采一队党支部"),
    Column("党小组", "party_group", PARTY_GROUP, aliases=("所在党小组",),
           help="该党支部下的党小组名称，可不填。", width=12, example="第一党小组"),
    Column("党员类别", "category", CHOICE, True, ("党员身份", "类别"),
           choices=_choices(Category.choices),
           extra_labels=(("正式", "full"), ("预备", "probationary")),
           help="正式党员 / 预备党员。", width=10, example="正式党员"),
    Column("入党日期", "joined_on", DATE, True, ("入党时间", "加入党组织日期"),
           help="支部大会通过为预备党员的日期。日期可写 2010-07-01、2010.7.1、"
                "2010年7月1日 或 20100701。", width=12, example="2008-07-01"),
    Column("转正日期", "full_member_on", DATE, aliases=("转正时间", "转为正式党员日期"),
           help="正式党员必填（党龄自转正之日起计算），预备党员不填；不能早于入党日期。",
           width=12, example="2009-07-01"),
)  # fmt: skip

BY_FIELD = {column.field: column for column in COLUMNS}
REQUIRED = tuple(column for column in COLUMNS if column.required)
PROBLEM_COLUMN = "问题说明"


def normalise_text(value: str) -> str:
    """Full-width letters, digits and punctuation as their ASCII forms; surrounding spaces and
    the no-break spaces Excel leaves behind removed."""
    return unicodedata.normalize("NFKC", value).replace("\u3000", " ").strip()


def squeeze(value: str) -> str:
    """No whitespace at all (header names, codes, choice labels)."""
    return "".join(normalise_text(value).split())


_PARENTHESIS = re.compile(r"\(.*?\)")


def header_key(value) -> str:
    """`身份证号码（18位）*` → `身份证号码`: what a header cell names, without marks."""
    text = squeeze(str(value or ""))
    return _PARENTHESIS.sub("", text).strip("*★").strip()


HEADER_INDEX: dict[str, Column] = {}
for _column in COLUMNS:
    for _name in (_column.header, *_column.aliases):
        HEADER_INDEX[header_key(_name)] = _column


def choice_index(column: Column) -> dict[str, str]:
    """Every accepted spelling of a choice → code (labels, codes, the extra spellings, and for
    民族 the name without 族)."""
    index = {}
    for code, label in column.choices:
        index[squeeze(label)] = code
        index[code] = code
        if column.field == "ethnicity" and label.endswith("族") and len(label) >= 2:
            index[label[:-1]] = code
    index.update({squeeze(label): code for label, code in column.extra_labels})
    return index


CHOICE_INDEX = {column.field: choice_index(column) for column in COLUMNS if column.kind == CHOICE}

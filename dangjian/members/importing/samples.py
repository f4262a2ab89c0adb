"""Realistic generated rosters (valid ID numbers, names, dates) for tests and the benchmark.

rows = roster_rows(branches=[branch1, branch2], count=300, seed=7)
rows[5]["身份证号"] = "410402198506150030"   # spoil a row
path.write_bytes(roster_bytes(rows))

from dangjian.members.importing.samples import benchmark_import
benchmark_import(actor=alice, organization=mine, rows=10_000)   # → seconds
"""

from __future__ import annotations

import random
import tempfile
import time
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path

from openpyxl import Workbook

from dangjian.core.idnumbers import make_id_number
from dangjian.members.importing.columns import COLUMNS

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文单解"  # noqa: E501
GIVEN = "伟刚勇毅俊峰强军平保东文辉力明永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发武新利清飞彬富顺信子杰涛昌成康星光天达安岩中茂进林有坚和彪博诚先敬震振壮会思群豪心邦承乐绍功松善厚庆磊民友裕河哲江超浩亮政谦亨奇固之轮翰朗伯宏言若鸣朋斌梁栋维启克伦翔旭鹏泽晨辰士以建家致树炎德行时泰盛秀娟英华慧巧美娜静淑惠珠翠雅芝玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹霞香月莺媛艳瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝思丽"  # noqa: E501
REGIONS = ("410403", "410411", "410421", "410422", "410423", "410425", "410481", "410482")
PLACES = ("河南平顶山", "河南叶县", "河南宝丰", "河南鲁山", "河南郏县", "河南舞钢", "河南汝州")
SCHOOLS = ("中国矿业大学", "河南理工大学", "平顶山工学院", "平煤技师学院", "郑州大学", "")
MAJORS = ("采矿工程", "机械设计制造及其自动化", "电气工程", "安全工程", "煤矿开采技术", "会计")
POSTS = ("采煤机司机", "支架工", "综采维修电工", "掘进机司机", "区队长", "技术员", "安全员")
EDUCATION = ("大学本科", "大学专科", "中专", "高中、职高、技校", "硕士研究生", "初中及以下")
TODAY = date.today()


def roster_rows(*, branches, count: int, seed: int = 1, groups=None) -> list[dict]:
    """`count` valid rows spread over `branches` (a 党小组 from `groups[branch.pk]` when
    given), as header → cell value, ready for `roster_bytes`."""
    generator = random.Random(seed)  # noqa: S311 — demo data, not secrets
    used: set[str] = set()
    rows = []
    for index in range(count):
        branch = branches[index % len(branches)]
        rows.append(_row(generator, index, branch, (groups or {}).get(branch.pk), used))
    return rows


def _row(generator: random.Random, index: int, branch, group, used: set[str]) -> dict:
    male = generator.random() < 0.82  # a coal mine's workforce
    birth = date(1962, 1, 1) + timedelta(days=generator.randrange(0, 365 * 38))
    number = _unique_id(generator, birth, male, used)
    joined = _add_years(birth, generator.randrange(20, 40))
    joined = min(joined, TODAY - timedelta(days=30))
    probationary = _add_years(joined, 1) > TODAY
    name = generator.choice(SURNAMES) + "".join(
        generator.choice(GIVEN) for _ in range(generator.choice((1, 2, 2)))
    )
    return {
        "姓名": name,
        "身份证号": number,
        "性别": "男" if male else "女",
        "出生日期": birth,
        "民族": "汉族" if generator.random() < 0.95 else "回族",
        "籍贯": generator.choice(PLACES),
        "学历": generator.choice(EDUCATION),
        "学位": "",
        "教育类别": generator.choice(("全日制", "在职")),
        "毕业院校": generator.choice(SCHOOLS),
        "所学专业": generator.choice(MAJORS),
        "工号": f"S{index + 1:06d}",
        "行政单位": "",
        "岗位": generator.choice(POSTS),
        "职业类别": generator.choice(("工人", "工人", "专业技术人员", "企业管理人员")),
        "职称级别": generator.choice(("无", "初级", "中级")),
        "职称": "",
        "技能等级": generator.choice(("高级工", "中级工", "技师", "")),
        "手机号": f"13{generator.randrange(5, 10)}{generator.randrange(0, 10**8):08d}",
        "家庭住址": f"河南省平顶山市新华区矿工路 {generator.randrange(1, 300)} 号",
        "在岗状态": "在岗",
        "所在党支部": branch.name,
        "党小组": group.name if group is not None else "",
        "党员类别": "预备党员" if probationary else "正式党员",
        "入党日期": joined,
        "转正日期": None if probationary else _add_years(joined, 1),
    }


def _unique_id(generator, birth: date, male: bool, used: set[str]) -> str:
    while True:
        sequence = generator.randrange(0, 500) * 2 + (1 if male else 0)
        number = make_id_number(generator.choice(REGIONS), birth, sequence)
        if number not in used:
            used.add(number)
            return number


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def roster_bytes(rows: list[dict], headers: list[str] | None = None) -> bytes:
    """An .xlsx with `headers` (the template's by default) and the rows, saved the way Excel
    saves (shared strings, a sheet dimension): strings as text, dates as dates, numbers as
    numbers — like a clerk's file."""
    headers = headers or [column.title for column in COLUMNS]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "党员名册"
    sheet.append(headers)
    for row in rows:
        sheet.append([_cell(row.get(header.rstrip("*"))) for header in headers])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(value):
    return None if value == "" else value


def benchmark_import(*, actor, organization, rows: int = 10_000, seed: int = 11) -> dict:
    """Generate a roster of `rows` rows over the active branches below `organization`, and time
    `import_file` (validation and confirmation, as one run). Returns the measurements."""
    from dangjian.members.importing.services import import_file
    from dangjian.orgs.models import BRANCH_TYPES, Organization

    branches = list(
        Organization.objects.filter(
            path__startswith=organization.path, org_type__in=BRANCH_TYPES, is_active=True
        )
    )
    content = roster_bytes(roster_rows(branches=branches, count=rows, seed=seed))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"名册-{rows}.xlsx"
        path.write_bytes(content)
        started = time.perf_counter()
        batch = import_file(actor=actor, organization=organization, path=path)
        seconds = time.perf_counter() - started
    return {
        "rows": rows,
        "seconds": round(seconds, 2),
        "status": batch.status,
        "created": batch.created_count,
        "updated": batch.updated_count,
        "rejected": batch.rejected_rows,
    }

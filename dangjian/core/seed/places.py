"""Where the demo people come from and where they live: ID-number region codes, 籍贯, addresses.

The mines are in 平顶山, so most people were born in its districts and counties; the older
generations include the miners who came from the coalfields of 山东, 安徽, 江苏 and 河北 in the
1950s–70s, and the engineers more often come from other cities of 河南. The region code of the ID
number (GB/T 2260, as it was when the number was issued) and the 籍贯 always name the same place.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Region:
    code: str  # the first six digits of the ID number
    native_place: str  # 籍贯 as rosters write it: province + city or county, no suffixes


def _regions(*rows: tuple[str, str]) -> tuple[Region, ...]:
    return tuple(Region(code, place) for code, place in rows)


PINGDINGSHAN = _regions(
    ("410402", "河南平顶山"),  # 新华区
    ("410403", "河南平顶山"),  # 卫东区
    ("410404", "河南平顶山"),  # 石龙区
    ("410411", "河南平顶山"),  # 湛河区
    ("410421", "河南宝丰"),
    ("410422", "河南叶县"),
    ("410423", "河南鲁山"),
    ("410425", "河南郏县"),
    ("410481", "河南舞钢"),
    ("410482", "河南汝州"),
)
PINGDINGSHAN_WEIGHTS = (16, 14, 8, 10, 9, 9, 8, 8, 4, 10)
OTHER_HENAN = _regions(
    ("410102", "河南郑州"),  # 中原区
    ("410303", "河南洛阳"),  # 西工区
    ("410802", "河南焦作"),  # 解放区
    ("411002", "河南许昌"),  # 魏都区
    ("411102", "河南漯河"),  # 源汇区
    ("411302", "河南南阳"),  # 宛城区
    ("411402", "河南商丘"),  # 梁园区
    ("411602", "河南周口"),  # 川汇区
)
ELSEWHERE = _regions(
    ("370402", "山东枣庄"),  # 市中区
    ("340602", "安徽淮北"),  # 杜集区
    ("320303", "江苏徐州"),  # 云龙区
    ("130203", "河北唐山"),  # 路北区
    ("140303", "山西阳泉"),  # 矿区
    ("420102", "湖北武汉"),  # 江岸区
    ("230302", "黑龙江鸡西"),  # 鸡冠区
)
# Minorities come with a plausible place of origin; 回族 live all over 河南 (郑州 管城回族区).
MINORITY_REGIONS = {
    "03": _regions(("410104", "河南郑州"), ("410402", "河南平顶山"), ("410411", "河南平顶山")),
    "11": _regions(("210102", "辽宁沈阳"), ("130203", "河北唐山")),  # 满族
    "02": _regions(
        ("150202", "内蒙古包头"),
    ),  # 蒙古族
    "10": _regions(
        ("222401", "吉林延吉"),
    ),  # 朝鲜族
}

# Where people live now: the districts and counties around the mines, with real street names.
_ADDRESSES = (
    ("平顶山市新华区", ("矿工路", "建设路", "中兴路", "光明路", "曙光街", "西市场街"), 30),
    ("平顶山市卫东区", ("建设路东段", "东环路", "五一路", "优越路", "东安路"), 25),
    ("平顶山市湛河区", ("开源路", "姚孟街", "南环路", "轻工路", "曹镇街"), 18),
    ("平顶山市石龙区", ("龙兴街", "人民路", "高庄街"), 8),
    ("平顶山市宝丰县", ("人民路", "前营街", "宝丰大道"), 6),
    ("平顶山市叶县", ("昆阳大道", "九龙路"), 4),
    ("平顶山市鲁山县", ("向阳路", "鲁阳大道"), 3),
    ("平顶山市郏县", ("龙山大道", "广阳路"), 3),
    ("舞钢市", ("垭口街", "寺坡街"), 1),
    ("汝州市", ("丹阳路", "广成路"), 2),
)


class PlaceMaker:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self._address_weights = [weight for _, _, weight in _ADDRESSES]

    def region(self, *, era: str, graduate: bool, ethnicity: str) -> Region:
        rng = self.rng
        if ethnicity in MINORITY_REGIONS:
            return rng.choice(MINORITY_REGIONS[ethnicity])
        # Share born elsewhere in 河南, and outside 河南, by generation (old = born before 1970).
        henan, outside = {"old": (0.10, 0.18), "middle": (0.12, 0.06), "young": (0.15, 0.05)}[era]
        if graduate:
            henan *= 1.8  # engineers and cadres were assigned here from the province's colleges
        draw = rng.random()
        if draw < outside:
            return rng.choice(ELSEWHERE)
        if draw < outside + henan:
            return rng.choice(OTHER_HENAN)
        return rng.choices(PINGDINGSHAN, weights=PINGDINGSHAN_WEIGHTS)[0]

    def address(self) -> str:
        rng = self.rng
        area, streets, _ = rng.choices(_ADDRESSES, weights=self._address_weights)[0]
        street = rng.choice(streets) + f"{rng.randint(1, 380)}号"
        if rng.random() < 0.7:  # most families live in a 家属院 of flats
            floor, flat = rng.randint(1, 7), rng.randint(1, 2)
            street += f"院{rng.randint(1, 24)}号楼{rng.randint(1, 4)}单元{floor}0{flat}"
        return f"河南省{area}{street}"

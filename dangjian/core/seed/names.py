"""Chinese personal names for demo data.

Surnames carry rough national frequencies (per ten thousand people; the big five cover about a
third of the population), so a branch of forty miners looks like a real roster: several 王 and
李, a 张 or two, and the odd rare name. Given names depend on the decade of birth, because a
retiree born in 1950 is far more likely to be called 建国 or 秀英 than 梓涵.
"""

from __future__ import annotations

import random
from itertools import accumulate

SURNAME_WEIGHTS: tuple[tuple[str, int], ...] = (
    ("王", 710), ("李", 700), ("张", 670), ("刘", 540), ("陈", 450), ("杨", 310),
    ("赵", 230), ("黄", 220), ("周", 170), ("吴", 160), ("徐", 130), ("孙", 130),
    ("胡", 120), ("朱", 110), ("高", 110), ("林", 100), ("何", 100), ("郭", 100),
    ("马", 100), ("罗", 80), ("梁", 80), ("宋", 70), ("郑", 70), ("谢", 60),
    ("韩", 60), ("唐", 60), ("冯", 60), ("于", 60), ("董", 50), ("肖", 40),
    ("程", 50), ("曹", 50), ("袁", 50), ("邓", 50), ("许", 50), ("傅", 40),
    ("沈", 40), ("曾", 40), ("彭", 40), ("吕", 40), ("苏", 40), ("卢", 40),
    ("蒋", 40), ("蔡", 40), ("贾", 40), ("丁", 40), ("魏", 40), ("薛", 30),
    ("叶", 30), ("阎", 30), ("余", 30), ("潘", 30), ("杜", 30), ("戴", 30),
    ("夏", 30), ("钟", 30), ("汪", 30), ("田", 30), ("任", 30), ("姜", 30),
    ("范", 30), ("方", 30), ("石", 30), ("姚", 30), ("谭", 20), ("廖", 20),
    ("邹", 20), ("熊", 20), ("金", 20), ("陆", 20), ("郝", 20), ("孔", 20),
    ("白", 20), ("崔", 20), ("康", 20), ("毛", 20), ("邱", 20), ("秦", 20),
    ("江", 20), ("史", 20), ("顾", 20), ("侯", 20), ("邵", 20), ("孟", 20),
    ("龙", 20), ("万", 20), ("段", 20), ("雷", 15), ("钱", 15), ("汤", 15),
    ("尹", 15), ("黎", 15), ("易", 15), ("常", 15), ("武", 15), ("乔", 15),
    ("贺", 15), ("赖", 10), ("龚", 10), ("文", 10), ("牛", 15), ("庞", 10),
    ("樊", 10), ("兰", 10), ("殷", 10), ("施", 10), ("陶", 10), ("翟", 10),
    ("申", 10), ("聂", 10), ("焦", 10), ("党", 5), ("司马", 1), ("欧阳", 2),
    ("诸葛", 1), ("上官", 1),
    # Polyphonic surnames, a little above their national share so that pinyin search has
    # something to show: 单 Shàn, 解 Xiè, 区 Ōu, 仇 Qiú, 朴 Piáo, 查 Zhā, 盖 Gě.
    ("单", 12), ("解", 8), ("仇", 5), ("查", 5), ("盖", 5), ("区", 3), ("朴", 3),
)  # fmt: skip

# Given-name characters by generation. "old" ≈ born before 1970, "middle" 1970–1989,
# "young" 1990 and later. Each generation has a male and a female pool; some characters are
# shared (e.g. 红, 平, 华), as they are in life.
_POOLS = {
    ("old", "male"): "国建华明军民忠德福庆卫东强志平春林海生富贵全兴胜利文武荣宝山成祥根保顺发",
    ("old", "female"): "秀英兰桂芳玉珍凤梅淑华红云霞萍琴花荣翠爱娥素巧美菊莲香彩",
    ("middle", "male"): "伟刚勇磊斌涛明杰鹏辉超军波峰亮新斌永宏金兵龙飞洪志强东俊建晓光红",
    ("middle", "female"): "丽静敏艳娟燕玲霞红梅琳丹娜颖慧雪芳洁莉晓燕萍倩婷宁",
    ("young", "male"): "浩宇轩博文杰鑫磊帅阳凯昊晨睿涛旭航天一鹏毅然森哲源豪",
    ("young", "female"): "婷雪欣怡佳琪梦颖悦萌雅晨璐瑶蕾钰菲可思涵妍诗彤",
}
# Classic two-character names of the older generations, drawn now and then as a whole.
_CLASSIC = {
    "male": ("建国", "国庆", "卫东", "建军", "援朝", "跃进", "卫国", "向东", "建华", "振华"),
    "female": ("秀英", "桂兰", "玉兰", "秀兰", "桂英", "淑珍", "凤英", "秀珍", "玉珍", "桂芳"),
}


def generation(birth_year: int) -> str:
    if birth_year < 1970:
        return "old"
    if birth_year < 1990:
        return "middle"
    return "young"


class NameMaker:
    """Draws names from one `random.Random`, so the same seed gives the same people."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self._surnames = [name for name, _ in SURNAME_WEIGHTS]
        self._cumulative = list(accumulate(weight for _, weight in SURNAME_WEIGHTS))

    def surname(self) -> str:
        return self.rng.choices(self._surnames, cum_weights=self._cumulative)[0]

    def given(self, gender: str, birth_year: int) -> str:
        era = generation(birth_year)
        if era == "old" and self.rng.random() < 0.2:
            return self.rng.choice(_CLASSIC[gender])
        pool = _POOLS[(era, gender)]
        single_share = {"old": 0.3, "middle": 0.35, "young": 0.25}[era]
        if self.rng.random() < single_share:
            return self.rng.choice(pool)
        first, second = self.rng.choice(pool), self.rng.choice(pool)
        if second == first:  # reduplicated names (婷婷) exist, but mostly as nicknames
            second = self.rng.choice(pool)
        return first + second

    def full(self, gender: str, birth_year: int) -> str:
        return self.surname() + self.given(gender, birth_year)

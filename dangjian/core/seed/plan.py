"""The organisation tree of the demo data, planned in memory before anything is written.

A mine's party committee (矿党委) looks the same everywhere: a 党支部 per production team (区队),
a 机关党总支 over the offices (科室), a 党总支 for the coal-preparation plant, a 后勤 branch and a
离退休党总支 whose branches are grouped by residential area. Every branch has two to four 党小组
built on its shifts (党小组建在班组). A group-scale tree is forty such mines under eight secondary
committees (二级党委).

Paths are treebeard materialised paths computed here (4 base-36 characters a level), so the
writer can insert ten thousand organisations with a few bulk INSERTs.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from dangjian.orgs.models import Organization, OrgType, Unit

COMPANY = "嵩阳煤业集团"
ROOT_NAME = f"中共{COMPANY}有限公司委员会"
ROOT_CODE = "SY"
_ALPHABET = Organization.alphabet
_STEPLEN = Organization.steplen


@dataclass
class UnitPlan:
    name: str
    code: str
    kind: str
    sort_order: int


@dataclass
class OrgPlan:
    """One organisation to create, with what the people and committee generators need."""

    org_type: str
    name: str
    short_name: str
    code: str
    founded_on: date | None
    children: list[OrgPlan] = field(default_factory=list)
    units: list[UnitPlan] = field(default_factory=list)  # the units it covers
    owned_units: list[UnitPlan] = field(default_factory=list)  # the units its enterprise owns
    member_target: int = 0
    retired: bool = False
    office: bool = False  # a 机关 branch: committee members of the 党委 above are drawn from it
    post_pool: str = "team"  # which job titles its people have
    mine_number: int = 0  # the first digits of its people's work numbers
    tags: set[str] = field(default_factory=set)
    sort_order: int = 0
    path: str = ""
    depth: int = 0
    member_count: int = 0
    full_member_count: int = 0

    @property
    def is_branch(self) -> bool:
        return self.org_type == OrgType.BRANCH

    def walk(self) -> Iterator[OrgPlan]:
        """This node and its subtree, depth first in path order."""
        yield self
        for child in self.children:
            yield from child.walk()

    def branches(self) -> Iterator[OrgPlan]:
        return (node for node in self.walk() if node.is_branch)

    def own_branches(self) -> Iterator[OrgPlan]:
        """The branches under this node that no lower 党委 stands between."""
        for child in self.children:
            if child.is_branch:
                yield child
            elif child.org_type != OrgType.COMMITTEE:
                yield from child.own_branches()


@dataclass(frozen=True)
class MineShape:
    """How big one mine is and how its members spread over branches and 党小组."""

    members: int = 1500
    members_per_branch: int = 40
    group_size: int = 12  # members per 党小组 (2–4 党小组 a branch)
    retired_share: float = 0.3
    oversized_branches: int = 2  # branches pushed over 50 members so the warning shows


@dataclass(frozen=True)
class GroupShape:
    secondaries: int = 8
    mines_per_secondary: int = 5
    members: int = 150_000
    members_per_branch: int = 46
    group_size: int = 22
    retired_share: float = 0.3


MINE = MineShape()
GROUP = GroupShape()

# ---------------------------------------------------------------------------------------------
# Names

_DIGITS = "零一二三四五六七八九"


def chinese_number(number: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 40 → 四十, 58 → 五十八 (1–99)."""
    tens, ones = divmod(number, 10)
    if tens == 0:
        return _DIGITS[ones]
    prefix = "" if tens == 1 else _DIGITS[tens]
    return prefix + "十" + (_DIGITS[ones] if ones else "")


_MINE_PLACE_NAMES = (
    "香山", "朝川", "首山", "梨园", "枣庄", "龙山", "鹤岭", "宝丰", "白沙", "青石", "红岭",
    "新峰", "五里堡", "杨庄", "李楼", "马村", "张湾", "高庄", "柳林", "双河", "三门", "东庄",
    "西岭", "北山", "南湾", "凤凰岭", "石龙", "韩梁",
)  # fmt: skip
_SECONDARY_NAMES = ("东部", "西部", "南部", "北部", "中部", "新区", "山北", "河西")


def mine_name(number: int) -> str:
    """Mines are numbered (一矿 … 十二矿) and then named after their place (香山矿 …)."""
    if number <= 12:
        return f"{chinese_number(number)}矿"
    return f"{_MINE_PLACE_NAMES[(number - 13) % len(_MINE_PLACE_NAMES)]}矿"


# Production teams (区队), in the order a mine lists them, with a relative size weight.
_BASE_TEAMS = (
    ("综采一队", 1.5), ("综采二队", 1.5), ("掘进一队", 1.3), ("掘进二队", 1.3),
    ("掘进三队", 1.3), ("掘进四队", 1.2), ("掘进五队", 1.2), ("开拓队", 1.1),
    ("准备队", 1.1), ("通风区", 1.0), ("机电队", 1.0), ("运输队", 1.0), ("皮带队", 0.9),
    ("安装队", 1.0), ("巷修队", 0.9), ("瓦斯抽采队", 0.7), ("防突队", 0.7),
    ("矿山救护队", 0.15),
)  # fmt: skip
# Extra teams for the big mines of the group: kind, first ordinal beyond the base list, weight.
_EXTRA_TEAM_KINDS = (
    ("综采", 3, 1.5), ("掘进", 6, 1.3), ("开拓", 2, 1.1), ("准备", 2, 1.1), ("掘进", 6, 1.3),
    ("机电", 2, 1.0), ("运输", 2, 1.0), ("巷修", 2, 0.9), ("安装", 2, 1.0), ("综采", 3, 1.5),
)  # fmt: skip
# The 机关 branches and the offices (科室) each covers.
_OFFICE_BRANCHES = (
    ("党群党支部", ("党委办公室", "组织部", "宣传部", "纪委办公室", "工会"), 0.8),
    ("生产技术科党支部", ("生产技术科",), 0.6),
    ("调度室党支部", ("调度室",), 0.5),
    ("地测科党支部", ("地测科",), 0.5),
    ("机电科党支部", ("机电科",), 0.6),
    ("通风科党支部", ("通风科",), 0.5),
    ("安监处党支部", ("安监处",), 0.7),
    ("经营管理党支部", ("财务科", "企业管理科", "人力资源科"), 0.7),
    ("供应科党支部", ("供应科",), 0.5),
)
_PLANT_BRANCHES = (("洗选车间", 0.9), ("机修车间", 0.6), ("装车站", 0.6))
_GROUP_LABELS = {
    "team": ("生产一班", "生产二班", "检修班", "机电班"),
    "office": ("第一", "第二", "第三", "第四"),
    "plant": ("甲班", "乙班", "丙班", "维修班"),
    "retired": ("东区", "西区", "南区", "北区"),
}


def extra_team_names(count: int) -> list[tuple[str, float]]:
    """More teams for a big mine: 综采三队, 掘进六队, 开拓二队 … in a plausible rotation."""
    next_ordinal: dict[str, int] = {}
    names: list[tuple[str, float]] = []
    index = 0
    while len(names) < count:
        kind, first, weight = _EXTRA_TEAM_KINDS[index % len(_EXTRA_TEAM_KINDS)]
        ordinal = next_ordinal.get(kind, first)
        next_ordinal[kind] = ordinal + 1
        names.append((f"{kind}{chinese_number(ordinal)}队", weight))
        index += 1
    return names


# ---------------------------------------------------------------------------------------------
# Sizes


def apportion(total: int, weights: list[float]) -> list[int]:
    """Split `total` in proportion to `weights` (largest remainder), summing exactly to total."""
    scale = total / sum(weights)
    raw = [weight * scale for weight in weights]
    shares = [math.floor(value) for value in raw]
    leftover = total - sum(shares)
    by_remainder = sorted(range(len(raw)), key=lambda i: (shares[i] - raw[i], i))
    for index in by_remainder[:leftover]:
        shares[index] += 1
    return shares


def group_count(members: int, group_size: int) -> int:
    return max(2, min(4, round(members / group_size)))


# ---------------------------------------------------------------------------------------------
# Builders


class MineBuilder:
    """Plans one mine: its committee, 党总支, branches, 党小组 and units."""

    def __init__(self, rng: random.Random, shape: MineShape, *, number: int, code: str):
        self.rng = rng
        self.shape = shape
        self.number = number
        self.code = code
        self.name = mine_name(number)
        self.units: list[UnitPlan] = []
        self.branch_serial = 0
        self.founded = date(rng.randint(1956, 1990), rng.randint(1, 12), 1)

    def build(self) -> OrgPlan:
        retired = round(self.shape.members * self.shape.retired_share)
        active = self.shape.members - retired
        mine = OrgPlan(
            OrgType.COMMITTEE,
            f"中共{COMPANY}{self.name}委员会",
            f"{self.name}党委",
            self.code,
            self.founded,
            mine_number=self.number,
            tags={"mine"},
        )
        mine.children = self._active_part(active)
        mine.children.append(self._retired_part(retired))
        mine.owned_units = self.units
        self._number_children(mine)
        return mine

    # -- the parts of a mine

    def _active_part(self, active: int) -> list[OrgPlan]:
        teams = [self._branch(name, [self._unit(name, Unit.Kind.TEAM)], weight, "team")
                 for name, weight in self._team_list(active)]  # fmt: skip
        office = self._general_branch("机关党总支", 1)
        office.children = [
            self._branch(
                name.removesuffix("党支部"),
                [self._unit(unit, Unit.Kind.OFFICE) for unit in units],
                weight,
                "office",
                branch_name=name,
            )
            for name, units, weight in _OFFICE_BRANCHES
        ]
        for branch in office.children:
            branch.office = True
        plant = self._general_branch("洗煤厂党总支", 2)
        plant.units = [self._unit("洗煤厂", Unit.Kind.COMPANY)]
        plant.children = [
            self._branch(name, [self._unit(name, Unit.Kind.WORKSHOP)], weight, "plant")
            for name, weight in _PLANT_BRANCHES
        ]
        plant.tags.add("plant")
        services = self._branch("后勤服务中心", [self._unit("后勤服务中心", Unit.Kind.OFFICE)],
                                0.7, "office")  # fmt: skip
        branches = [*teams, *office.children, *plant.children, services]
        self._size_branches(branches, active)
        return [*teams, office, plant, services]

    def _retired_part(self, retired: int) -> OrgPlan:
        unit = self._unit("退休职工", Unit.Kind.OFFICE)
        retirees = self._general_branch("离退休党总支", 3)
        retirees.units = [unit]
        count = max(1, round(retired / (self.shape.members_per_branch * 1.2)))
        retirees.children = [
            self._branch(
                f"离退休第{chinese_number(index)}",
                [unit],
                1.0,
                "retired",
                branch_name=f"离退休第{chinese_number(index)}党支部",
            )
            for index in range(1, count + 1)
        ]
        for branch in retirees.children:
            branch.retired = True
        sizes = apportion(retired, [self.rng.uniform(0.85, 1.15) for _ in retirees.children])
        for branch, size in zip(retirees.children, sizes, strict=True):
            self._set_size(branch, size)
        return retirees

    def _team_list(self, active: int) -> list[tuple[str, float]]:
        base_branches = len(_BASE_TEAMS) + len(_OFFICE_BRANCHES) + len(_PLANT_BRANCHES) + 1
        wanted = round(active / self.shape.members_per_branch)
        return [*_BASE_TEAMS, *extra_team_names(max(0, wanted - base_branches))]

    def _size_branches(self, branches: list[OrgPlan], active: int) -> None:
        weights = [branch.member_target * self.rng.uniform(0.8, 1.2) for branch in branches]
        sizes = apportion(active, weights)
        # A few of the biggest teams go over the 50-member guideline (domain §3.1) on purpose.
        largest = sorted(range(len(sizes)), key=lambda i: (-sizes[i], i))
        for index in largest[: self.shape.oversized_branches]:
            sizes[index] = max(sizes[index], 51 + self.rng.randrange(8))
        for branch, size in zip(branches, sizes, strict=True):
            self._set_size(branch, size)

    # -- single nodes

    def _unit(self, name: str, kind: str) -> UnitPlan:
        unit = UnitPlan(name, f"{self.code}-U{len(self.units) + 1:02d}", kind, len(self.units))
        self.units.append(unit)
        return unit

    def _general_branch(self, short_name: str, index: int) -> OrgPlan:
        return OrgPlan(
            OrgType.GENERAL_BRANCH,
            f"{self.name}{short_name}",
            short_name,
            f"{self.code}-Z{index}",
            self._founded_after(self.founded),
            mine_number=self.number,
        )

    def _branch(self, unit_name, units, weight, pool, *, branch_name=None) -> OrgPlan:
        short_name = branch_name or f"{unit_name}党支部"
        self.branch_serial += 1
        return OrgPlan(
            OrgType.BRANCH,
            f"{self.name}{short_name}",
            short_name,
            f"{self.code}-B{self.branch_serial:03d}",
            self._founded_after(self.founded),
            units=list(units),
            member_target=weight,  # a weight until _set_size replaces it by the head count
            post_pool=pool,
            mine_number=self.number,
        )

    def _set_size(self, branch: OrgPlan, size: int) -> None:
        branch.member_target = size
        labels = _GROUP_LABELS[branch.post_pool]
        for index in range(group_count(size, self.shape.group_size)):
            label = labels[index]
            branch.children.append(
                OrgPlan(
                    OrgType.GROUP,
                    f"{branch.name}{label}党小组",
                    f"{label}党小组",
                    f"{branch.code}-{index + 1}",
                    branch.founded_on,
                    mine_number=self.number,
                )
            )

    def _founded_after(self, start: date) -> date:
        year = self.rng.randint(start.year + 1, 2015)
        return date(year, self.rng.randint(1, 12), 1)

    @staticmethod
    def _number_children(node: OrgPlan) -> None:
        for parent in node.walk():
            for index, child in enumerate(parent.children):
                child.sort_order = (index + 1) * 10


def root_plan() -> OrgPlan:
    return OrgPlan(
        OrgType.COMMITTEE, ROOT_NAME, "集团党委", ROOT_CODE, date(1953, 7, 1), tags={"root"}
    )


def plan_mine_scale(rng: random.Random, shape: MineShape = MINE) -> OrgPlan:
    root = root_plan()
    mine = MineBuilder(rng, shape, number=1, code=f"{ROOT_CODE}-K01").build()
    mine.sort_order = 10
    root.children = [mine]
    return root


def plan_group_scale(rng: random.Random, shape: GroupShape = GROUP) -> OrgPlan:
    root = root_plan()
    mine_count = shape.secondaries * shape.mines_per_secondary
    office_members = 30 * shape.secondaries
    mine_sizes = apportion(
        shape.members - office_members, [rng.uniform(0.6, 1.4) for _ in range(mine_count)]
    )
    for index in range(shape.secondaries):
        secondary = _secondary(rng, index + 1)
        for offset in range(shape.mines_per_secondary):
            number = index * shape.mines_per_secondary + offset + 1
            mine_shape = MineShape(
                members=mine_sizes[number - 1],
                members_per_branch=shape.members_per_branch,
                group_size=shape.group_size,
                retired_share=shape.retired_share,
                oversized_branches=0,
            )
            mine = MineBuilder(rng, mine_shape, number=number, code=f"{ROOT_CODE}-K{number:02d}")
            secondary.children.append(mine.build())
        root.children.append(secondary)
    MineBuilder._number_children(root)
    return root


def _secondary(rng: random.Random, index: int) -> OrgPlan:
    name = _SECONDARY_NAMES[(index - 1) % len(_SECONDARY_NAMES)]
    code = f"{ROOT_CODE}-E{index}"
    number = 90 + index
    unit = UnitPlan("公司机关", f"{code}-U01", Unit.Kind.OFFICE, 0)
    office = OrgPlan(
        OrgType.BRANCH,
        f"{name}矿业公司机关党支部",
        "机关党支部",
        f"{code}-B001",
        date(rng.randint(1995, 2010), 1, 1),
        units=[unit],
        member_target=28 + rng.randrange(6),
        office=True,
        post_pool="office",
        mine_number=number,
    )
    for group_index, label in enumerate(_GROUP_LABELS["office"][:2]):
        office.children.append(
            OrgPlan(OrgType.GROUP, f"{office.name}{label}党小组", f"{label}党小组",
                    f"{office.code}-{group_index + 1}", office.founded_on, mine_number=number)
        )  # fmt: skip
    return OrgPlan(
        OrgType.COMMITTEE,
        f"中共{COMPANY}{name}矿业有限公司委员会",
        f"{name}矿业公司党委",
        code,
        office.founded_on,
        children=[office],
        owned_units=[unit],
        mine_number=number,
        tags={"secondary"},
    )


# ---------------------------------------------------------------------------------------------
# Paths


def step(number: int) -> str:
    """The treebeard path step for the n-th child (1-based): 1 → 0001, 36 → 0010."""
    digits = ""
    while number:
        number, remainder = divmod(number, len(_ALPHABET))
        digits = _ALPHABET[remainder] + digits
    if len(digits) > _STEPLEN:
        raise ValueError("too many children for one node")
    return digits.rjust(_STEPLEN, _ALPHABET[0])


def assign_paths(root: OrgPlan, root_step: int = 1) -> None:
    """Give every node its materialised path and depth, exactly as treebeard would."""
    root.path, root.depth = step(root_step), 1
    for parent in root.walk():
        for index, child in enumerate(parent.children, start=1):
            child.path = parent.path + step(index)
            child.depth = parent.depth + 1

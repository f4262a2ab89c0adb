"""The personal record of each planned person: ID number, 民族, 籍贯, education, title, address…

Filled in a second pass, after the committees (a secretary's post decides their occupation), from
its own random stream, so that adding a field here never changes the names, dates and committees
drawn before. Every value agrees with the others: the ID number carries the birth date and the
gender (odd sequence digit for men, GB 11643) and the region of the 籍贯; education follows the
generation and the post; titles go to technicians and cadres, skill levels to workers.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from dangjian.core.idnumbers import make_id_number
from dangjian.core.seed.names import generation
from dangjian.core.seed.people import PersonPlan, add_years
from dangjian.core.seed.places import PlaceMaker
from dangjian.members.models import (
    Degree,
    Education,
    EducationMode,
    Employment,
    Gender,
    Occupation,
    SkillLevel,
    TitleLevel,
)

WORKER_POSTS = frozenset(
    {"采煤工", "掘进工", "支护工", "电钳工", "机电维修工", "瓦斯检查员", "安全员", "班长",
     "洗选工", "电工", "装车工", "维修工"}
)  # fmt: skip
TECHNICIAN_POSTS = frozenset({"技术员", "工程师", "验收员"})
MANAGER_POSTS = frozenset(
    {"队长", "副队长", "科员", "主任科员", "副科长", "科长", "调度员", "统计员", "材料员"}
)
PARTY_OFFICE = "党群党支部"  # its 科员 and 科长 work in 组织部, 宣传部…: party workers

E = Education
# Education by occupation and generation: (level, weight).
_EDUCATION = {
    (Occupation.WORKER, "old"): ((E.JUNIOR_OR_BELOW, 55), (E.HIGH_SCHOOL, 38),
                                 (E.SECONDARY_VOCATIONAL, 7)),
    (Occupation.WORKER, "middle"): ((E.JUNIOR_OR_BELOW, 12), (E.HIGH_SCHOOL, 45),
                                    (E.SECONDARY_VOCATIONAL, 25), (E.COLLEGE, 18)),
    (Occupation.WORKER, "young"): ((E.HIGH_SCHOOL, 20), (E.SECONDARY_VOCATIONAL, 25),
                                   (E.COLLEGE, 50), (E.BACHELOR, 5)),
    (Occupation.TECHNICIAN, "old"): ((E.SECONDARY_VOCATIONAL, 30), (E.COLLEGE, 40),
                                     (E.BACHELOR, 30)),
    (Occupation.TECHNICIAN, "middle"): ((E.COLLEGE, 22), (E.BACHELOR, 66), (E.MASTER, 12)),
    (Occupation.TECHNICIAN, "young"): ((E.COLLEGE, 10), (E.BACHELOR, 74), (E.MASTER, 15),
                                       (E.DOCTORATE, 1)),
    (Occupation.MANAGER, "old"): ((E.HIGH_SCHOOL, 15), (E.SECONDARY_VOCATIONAL, 25),
                                  (E.COLLEGE, 35), (E.BACHELOR, 25)),
    (Occupation.MANAGER, "middle"): ((E.COLLEGE, 30), (E.BACHELOR, 60), (E.MASTER, 10)),
    (Occupation.MANAGER, "young"): ((E.COLLEGE, 15), (E.BACHELOR, 75), (E.MASTER, 10)),
    (Occupation.PARTY_WORKER, "old"): ((E.SECONDARY_VOCATIONAL, 15), (E.COLLEGE, 40),
                                       (E.BACHELOR, 45)),
    (Occupation.PARTY_WORKER, "middle"): ((E.COLLEGE, 15), (E.BACHELOR, 72), (E.MASTER, 13)),
    (Occupation.PARTY_WORKER, "young"): ((E.BACHELOR, 85), (E.MASTER, 15)),
}  # fmt: skip
_GRADUATE_LEVELS = frozenset({E.SECONDARY_VOCATIONAL, E.COLLEGE, E.BACHELOR, E.MASTER, E.DOCTORATE})
_SCHOOLS = {
    E.SECONDARY_VOCATIONAL: ("平顶山煤炭工业学校", "郑州煤炭工业学校", "焦作煤炭工业学校"),
    E.COLLEGE: ("平顶山工业职业技术学院", "河南工业职业技术学院", "郑州工业安全职业学院",
                "河南理工大学", "平顶山教育学院"),
    E.BACHELOR: ("中国矿业大学", "河南理工大学", "安徽理工大学", "辽宁工程技术大学",
                 "西安科技大学", "山东科技大学", "太原理工大学", "郑州大学", "河南城建学院",
                 "河南工程学院", "平顶山学院", "华北水利水电大学"),
    E.MASTER: ("中国矿业大学", "中国矿业大学（北京）", "河南理工大学", "重庆大学", "郑州大学"),
    E.DOCTORATE: ("中国矿业大学", "重庆大学"),
}  # fmt: skip
_IN_SERVICE_SCHOOLS = ("河南理工大学", "中国矿业大学", "中共河南省委党校", "平顶山学院")
_VOCATIONAL_MAJORS = {
    Occupation.WORKER: ("煤矿开采技术", "矿井通风与安全", "煤矿机电", "机电一体化技术",
                        "选煤技术", "电气自动化技术"),
    Occupation.TECHNICIAN: ("煤矿开采技术", "矿山测量", "矿井通风与安全", "机电一体化技术"),
    Occupation.MANAGER: ("会计", "企业管理", "计算机应用技术", "煤矿开采技术"),
    Occupation.PARTY_WORKER: ("文秘", "行政管理", "法律事务"),
}  # fmt: skip
_DEGREE_MAJORS = {
    Occupation.WORKER: ("采矿工程", "机械设计制造及其自动化", "电气工程及其自动化"),
    Occupation.TECHNICIAN: ("采矿工程", "安全工程", "地质工程", "测绘工程", "矿物加工工程",
                            "机械设计制造及其自动化", "电气工程及其自动化", "土木工程"),
    Occupation.MANAGER: ("工商管理", "会计学", "人力资源管理", "采矿工程", "安全工程",
                         "计算机科学与技术"),
    Occupation.PARTY_WORKER: ("思想政治教育", "汉语言文学", "行政管理", "法学", "新闻学"),
}  # fmt: skip
# Title series by occupation, lowest level first: 工程系列, 经济系列, 思想政治工作系列.
_TITLES = {
    Occupation.TECHNICIAN: ("助理工程师", "工程师", "高级工程师", "正高级工程师"),
    Occupation.MANAGER: ("助理经济师", "经济师", "高级经济师", "正高级经济师"),
    Occupation.PARTY_WORKER: ("助理政工师", "政工师", "高级政工师", "正高级政工师"),
}
_TITLE_LEVELS = (TitleLevel.JUNIOR, TitleLevel.INTERMEDIATE, TitleLevel.ASSOCIATE_SENIOR,
                 TitleLevel.SENIOR)  # fmt: skip
_TITLE_MIN_AGE = (22, 28, 35, 45)
_SKILLS = (SkillLevel.JUNIOR_WORKER, SkillLevel.INTERMEDIATE_WORKER, SkillLevel.SENIOR_WORKER,
           SkillLevel.TECHNICIAN, SkillLevel.SENIOR_TECHNICIAN)  # fmt: skip
_FLOATING_DESTINATIONS = {
    Employment.RETIRED: ("广东省深圳市（随子女居住）", "河南省郑州市（随子女居住）",
                         "上海市浦东新区（随子女居住）", "北京市朝阳区（随子女居住）",
                         "海南省三亚市（异地养老）"),
    Employment.INTERNAL_RETIRED: ("江苏省苏州市（务工）", "浙江省宁波市（务工）",
                                  "内蒙古鄂尔多斯市（煤矿务工）", "陕西省榆林市（煤矿务工）"),
}  # fmt: skip
_MINORITIES = (("03", 70), ("11", 20), ("02", 10))  # 回族, 满族, 蒙古族
_KOREAN_SURNAMES = ("朴",)  # 朴 (Piáo) is almost always a 朝鲜族 family name


def occupation_of(person: PersonPlan) -> str:
    """The 党内统计 post type of a person at work, from the post and the branch."""
    post = person.post
    if post.endswith("书记") or (
        person.organization.short_name == PARTY_OFFICE and post in MANAGER_POSTS
    ):
        return Occupation.PARTY_WORKER
    if post in WORKER_POSTS:
        return Occupation.WORKER
    if post in TECHNICIAN_POSTS:
        return Occupation.TECHNICIAN
    if post in MANAGER_POSTS:
        return Occupation.MANAGER
    return Occupation.OTHER


class RecordMaker:
    def __init__(self, rng: random.Random, today: date):
        self.rng = rng
        self.today = today
        self.places = PlaceMaker(rng)
        self.used_numbers: set[str] = set()

    def fill_all(self, people: list[PersonPlan]) -> None:
        for person in people:
            self.fill(person)

    def fill(self, person: PersonPlan) -> None:
        era = generation(person.birth_date.year)
        retired = person.employment == Employment.RETIRED
        # Retirees are counted apart (occupation empty), but keep what their career gave them.
        career = self._former_occupation() if retired else occupation_of(person)
        person.occupation = "" if retired else career
        person.ethnicity = self._ethnicity(person.name)
        self._education(person, career, era)
        region = self.places.region(
            era=era,
            graduate=person.education in (E.BACHELOR, E.MASTER, E.DOCTORATE),
            ethnicity=person.ethnicity,
        )
        person.native_place = region.native_place
        person.id_number = self.unique_id_number(region.code, person)
        person.address = self.places.address()
        self._title_and_skill(person, career)
        if retired:
            person.retired_on = self._retirement_day(person, career)
        self._flags(person)

    # -- parts of the record

    def _former_occupation(self) -> str:
        return self.rng.choices(
            (Occupation.WORKER, Occupation.TECHNICIAN, Occupation.MANAGER, Occupation.PARTY_WORKER),
            weights=(75, 12, 10, 3),
        )[0]

    def _ethnicity(self, name: str) -> str:
        if name.startswith(_KOREAN_SURNAMES):
            return "10"  # 朝鲜族
        if self.rng.random() < 0.985:
            return "01"  # 汉族
        codes = [code for code, _ in _MINORITIES]
        return self.rng.choices(codes, weights=[weight for _, weight in _MINORITIES])[0]

    def _education(self, person: PersonPlan, career: str, era: str) -> None:
        rng = self.rng
        if person.employment == Employment.RETIRED:
            era = "old"
        options = _EDUCATION.get((career, era), _EDUCATION[(Occupation.MANAGER, era)])
        level = rng.choices([lv for lv, _ in options], weights=[w for _, w in options])[0]
        # Degrees above 大专 earned by older people and workers were mostly part-time (函授/党校).
        in_service_share = {"old": 0.7, "middle": 0.35, "young": 0.1}[era]
        if career == Occupation.WORKER:
            in_service_share = max(in_service_share, 0.7)
        in_service = level in (E.COLLEGE, E.BACHELOR) and rng.random() < in_service_share
        person.education = level
        person.education_mode = EducationMode.IN_SERVICE if in_service else EducationMode.FULL_TIME
        person.degree = self._degree(level, in_service)
        if level in _GRADUATE_LEVELS:
            schools = _IN_SERVICE_SCHOOLS if in_service else _SCHOOLS[level]
            person.school = rng.choice(schools)
            vocational = level in (E.SECONDARY_VOCATIONAL, E.COLLEGE)
            majors = (_VOCATIONAL_MAJORS if vocational else _DEGREE_MAJORS).get(
                career, _DEGREE_MAJORS[Occupation.MANAGER]
            )
            person.major = rng.choice(majors)

    def _degree(self, level: str, in_service: bool) -> str:
        if level == E.DOCTORATE:
            return Degree.DOCTOR
        if level == E.MASTER:
            return Degree.MASTER
        if level == E.BACHELOR and (not in_service or self.rng.random() < 0.3):
            return Degree.BACHELOR
        return Degree.NONE

    def unique_id_number(self, region: str, person: PersonPlan) -> str:
        """A number nobody else has: the sequence is redrawn on the rare clash."""
        male = person.gender == Gender.MALE
        while True:
            sequence = self.rng.randrange(500) * 2 + (1 if male else 0)
            number = make_id_number(region, person.birth_date, sequence)
            if number not in self.used_numbers:
                self.used_numbers.add(number)
                return number

    def _title_and_skill(self, person: PersonPlan, career: str) -> None:
        person.title_level, person.title = TitleLevel.NONE, ""
        person.skill_level = SkillLevel.NONE
        age = self._age(person)
        if career == Occupation.WORKER:
            person.skill_level = self._skill(age)
            return
        series = _TITLES.get(career)
        if series is None:
            return
        titled = {Occupation.TECHNICIAN: 0.92, Occupation.MANAGER: 0.45}.get(career, 0.6)
        if person.post == "工程师":
            titled = 1.0
        if self.rng.random() >= titled:
            return
        reachable = sum(1 for minimum in _TITLE_MIN_AGE if age >= minimum)
        weights = (35, 45, 18, 2)[:reachable]
        if person.post == "工程师":
            weights = (0, 55, 40, 5)[:reachable] if reachable > 1 else (1,)
        index = self.rng.choices(range(len(weights)), weights=weights)[0]
        person.title_level, person.title = _TITLE_LEVELS[index], series[index]

    def _skill(self, age: int) -> str:
        if age < 30:
            weights = (45, 45, 10, 0, 0)
        elif age < 45:
            weights = (10, 40, 35, 13, 2)
        else:
            weights = (5, 25, 40, 22, 8)
        return self.rng.choices(_SKILLS, weights=weights)[0]

    def _retirement_day(self, person: PersonPlan, career: str) -> date:
        """Men at 60 (underground workers at 55), women workers at 50 and cadres at 55."""
        if person.gender == Gender.MALE:
            age = 55 if career == Occupation.WORKER and self.rng.random() < 0.6 else 60
        else:
            age = 50 if career == Occupation.WORKER else 55
        return add_years(person.birth_date, age)

    def _flags(self, person: PersonPlan) -> None:
        """流动党员 (~1 %) among retirees living with their children and 内退 working elsewhere;
        a handful lose contact, mostly among those who went away."""
        rng = self.rng
        share = {Employment.RETIRED: 0.025, Employment.INTERNAL_RETIRED: 0.15}
        if rng.random() < share.get(person.employment, 0.0):
            person.is_floating = True
            person.floating_since = self.today - timedelta(days=rng.randint(200, 2400))
            person.floating_destination = rng.choice(_FLOATING_DESTINATIONS[person.employment])
        at_work = person.employment == Employment.ACTIVE
        lost_share = 0.1 if person.is_floating else 0.0 if at_work else 0.003
        if rng.random() < lost_share:
            since = person.floating_since or person.joined_on
            longest = max(46, min(900, (self.today - since).days))
            person.is_lost_contact = True
            person.lost_contact_since = self.today - timedelta(days=rng.randint(45, longest))

    def _age(self, person: PersonPlan) -> int:
        birth, today = person.birth_date, self.today
        return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))

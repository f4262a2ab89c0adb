"""Code lists of the member records (Chinese labels; codes are stable identifiers)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


# GB/T 3304-1991 民族代码: the 56 nationalities plus the two supplementary codes.
ETHNICITY_NAMES = (
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族",
    "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族",
    "佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族",
    "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族",
    "普米族", "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族", "保安族",
    "裕固族", "京族", "塔塔尔族", "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族",
)  # fmt: skip
ETHNICITY_CHOICES = [(f"{index:02d}", name) for index, name in enumerate(ETHNICITY_NAMES, 1)] + [
    ("97", "其他"),
    ("98", "外国血统中国籍人士"),
]
HAN = "01"


class Education(models.TextChoices):
    """学历 as the 党内统计 counts it, highest first."""

    DOCTORATE = "doctorate", _("博士研究生")
    MASTER = "master", _("硕士研究生")
    BACHELOR = "bachelor", _("大学本科")
    COLLEGE = "college", _("大学专科")
    SECONDARY_VOCATIONAL = "secondary_vocational", _("中专")
    HIGH_SCHOOL = "high_school", _("高中、职高、技校")
    JUNIOR_OR_BELOW = "junior_or_below", _("初中及以下")


class Degree(models.TextChoices):
    DOCTOR = "doctor", _("博士")
    MASTER = "master", _("硕士")
    BACHELOR = "bachelor", _("学士")
    NONE = "none", _("无")


class EducationMode(models.TextChoices):
    FULL_TIME = "full_time", _("全日制")
    IN_SERVICE = "in_service", _("在职")


class TitleLevel(models.TextChoices):
    """职称 level."""

    SENIOR = "senior", _("正高级")
    ASSOCIATE_SENIOR = "associate_senior", _("副高级")
    INTERMEDIATE = "intermediate", _("中级")
    JUNIOR = "junior", _("初级")
    NONE = "none", _("无")


class SkillLevel(models.TextChoices):
    """技能等级 of workers (国家职业资格)."""

    SENIOR_TECHNICIAN = "senior_technician", _("高级技师")
    TECHNICIAN = "technician", _("技师")
    SENIOR_WORKER = "senior_worker", _("高级工")
    INTERMEDIATE_WORKER = "intermediate_worker", _("中级工")
    JUNIOR_WORKER = "junior_worker", _("初级工")
    NONE = "none", _("无")


class Occupation(models.TextChoices):
    """职业 (post type) as the 党内统计 groups people at work; retirees are counted apart."""

    WORKER = "worker", _("工人")
    TECHNICIAN = "technician", _("专业技术人员")
    MANAGER = "manager", _("企业管理人员")
    PARTY_WORKER = "party_worker", _("党务工作者")
    OTHER = "other", _("其他")


class Employment(models.TextChoices):
    ACTIVE = "active", _("在岗")
    RETIRED = "retired", _("离退休")
    INTERNAL_RETIRED = "internal_retired", _("内退")
    TRANSFERRED = "transferred", _("调出")


class Category(models.TextChoices):
    FULL = "full", _("正式党员")
    PROBATIONARY = "probationary", _("预备党员")


class Status(models.TextChoices):
    NORMAL = "normal", _("正常")
    SUSPENDED = "suspended", _("停止党籍")
    RESTORED = "restored", _("恢复党籍")
    LEFT = "left", _("出党")
    DECEASED = "deceased", _("死亡")
    TRANSFERRED_OUT = "transferred_out", _("转出")


# Members counted as members of the party organisation (会员在册): the others keep their record.
IN_GOOD_STANDING = (Status.NORMAL, Status.RESTORED)


class LeaveType(models.TextChoices):
    """How a member left the party (出党), domain §4."""

    LAPSED = "lapsed", _("自行脱党")
    REMOVED = "removed", _("除名")
    EXPELLED = "expelled", _("开除党籍")
    WITHDREW = "withdrew", _("退党")


class Discipline(models.TextChoices):
    """党纪处分 (《中国共产党纪律处分条例》第八条)."""

    WARNING = "warning", _("警告")
    SERIOUS_WARNING = "serious_warning", _("严重警告")
    DISMISSAL = "dismissal", _("撤销党内职务")
    PROBATION = "probation", _("留党察看")
    EXPULSION = "expulsion", _("开除党籍")

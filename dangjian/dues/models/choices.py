"""Code lists of the dues ledger (Chinese labels; codes are stable identifiers)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class BaseCategory(models.TextChoices):
    """How a member's dues are computed (domain §2.1, 中组发〔2008〕3号)."""

    EMPLOYED = "employed", _("在职（月工资）")
    ANNUAL_SALARY = "annual_salary", _("年薪制")
    SELF_EMPLOYED = "self_employed", _("个体经营者等")
    RETIRED = "retired", _("离退休")
    FARMER = "farmer", _("农民")
    STUDENT = "student", _("学生")
    UNEMPLOYED = "unemployed", _("下岗失业")
    RELIEF = "relief", _("依靠抚恤或救济生活")
    SUBSISTENCE = "subsistence", _("领取最低生活保障金")


class Scale(models.TextChoices):
    """Which band table a base category reads: salaries or pensions."""

    SALARY = "salary", _("工资收入")
    PENSION = "pension", _("离退休费")


# Categories computed as a rate of the base, by their band table; every other is a fixed amount.
SCALE_OF_CATEGORY = {
    BaseCategory.EMPLOYED: Scale.SALARY,
    BaseCategory.ANNUAL_SALARY: Scale.SALARY,
    BaseCategory.SELF_EMPLOYED: Scale.SALARY,
    BaseCategory.RETIRED: Scale.PENSION,
}
FIXED_CATEGORIES = tuple(c for c in BaseCategory if c not in SCALE_OF_CATEGORY)


class BaseSource(models.TextChoices):
    IMPORT = "import", _("工资表导入")
    MANUAL = "manual", _("手工核定")
    CARRIED = "carried", _("沿用上年基数")
    API = "api", _("接口")


class EntryStatus(models.TextChoices):
    UNPAID = "unpaid", _("未缴")
    PARTIAL = "partial", _("部分缴纳")
    PAID = "paid", _("已缴清")
    WAIVED = "waived", _("免交")


# A month is settled when nothing more is owed for it.
SETTLED = (EntryStatus.PAID, EntryStatus.WAIVED)
# The complement, written out so queries can name it positively and use the partial index.
UNSETTLED = (EntryStatus.UNPAID, EntryStatus.PARTIAL)


class Channel(models.TextChoices):
    CASH = "cash", _("现金")
    PAYROLL = "payroll", _("工资代扣")
    TRANSFER = "transfer", _("转账")
    ONLINE = "online", _("线上缴纳")


class HardshipKind(models.TextChoices):
    REDUCE = "reduce", _("减交")
    WAIVE = "waive", _("免交")


class HardshipStatus(models.TextChoices):
    REQUESTED = "requested", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("未批准")
    WITHDRAWN = "withdrawn", _("已撤回")

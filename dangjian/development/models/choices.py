"""Code lists of the development workflow (domain §1.1, §1.4): states, the 25 steps and the
actions outside the 25 steps (延长预备期, 取消预备党员资格, 不批准, 转出, 终止)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    """The applicant's state (domain §1.4)."""

    APPLIED = "applied", _("已递交申请")
    TALKED = "talked", _("已谈话")
    ACTIVIST = "activist", _("入党积极分子")
    CANDIDATE = "candidate", _("发展对象")
    PRE_APPROVED = "pre_approved", _("已通过预审")
    BRANCH_ACCEPTED = "branch_accepted", _("支部大会已通过")
    PROBATIONARY = "probationary", _("预备党员")
    PROBATION_EXTENDED = "probation_extended", _("延长预备期")
    FULL_MEMBER = "full_member", _("已转为正式党员")
    REJECTED = "rejected", _("党委不批准")
    PROBATION_CANCELLED = "probation_cancelled", _("取消预备党员资格")
    TRANSFERRED_OUT = "transferred_out", _("已转出")
    CLOSED = "closed", _("已终止")


PRE_MEMBER_STATES = (
    State.APPLIED,
    State.TALKED,
    State.ACTIVIST,
    State.CANDIDATE,
    State.PRE_APPROVED,
    State.BRANCH_ACCEPTED,
)
PROBATION_STATES = (State.PROBATIONARY, State.PROBATION_EXTENDED)
OPEN_STATES = PRE_MEMBER_STATES + PROBATION_STATES
FINAL_STATES = (
    State.FULL_MEMBER,
    State.REJECTED,
    State.PROBATION_CANCELLED,
    State.TRANSFERRED_OUT,
    State.CLOSED,
)


class Stage(models.IntegerChoices):
    APPLICATION = 1, _("申请入党")
    ACTIVIST = 2, _("入党积极分子的确定和培养教育")
    CANDIDATE = 3, _("发展对象的确定和考察")
    ACCEPTANCE = 4, _("预备党员的接收")
    PROBATION = 5, _("预备党员的教育、考察和转正")


class StepCode(models.TextChoices):
    """The 25 steps (domain §1.1) and the actions off the main line (§1.4)."""

    APPLICATION = "application", _("递交入党申请书")
    TALK = "talk", _("党组织派人谈话")
    ACTIVIST = "activist", _("推荐和确定入党积极分子")
    ACTIVIST_FILING = "activist_filing", _("入党积极分子报上级党委备案")
    CONTACTS = "contacts", _("指定培养联系人")
    ACTIVIST_REVIEW = "activist_review", _("培养教育考察")
    CANDIDATE = "candidate", _("确定发展对象")
    CANDIDATE_FILING = "candidate_filing", _("发展对象报上级党委备案")
    INTRODUCERS = "introducers", _("确定入党介绍人")
    POLITICAL_REVIEW = "political_review", _("进行政治审查")
    TRAINING = "training", _("开展集中培训")
    BRANCH_REVIEW = "branch_review", _("支部委员会审查")
    PRE_REVIEW = "pre_review", _("上级党委预审")
    VOLUNTEER_FORM = "volunteer_form", _("填写入党志愿书")
    ACCEPTANCE_MEETING = "acceptance_meeting", _("支部大会讨论接收")
    COMMITTEE_TALK = "committee_talk", _("上级党委派人谈话")
    APPROVAL = "approval", _("上级党委审批")
    APPROVAL_FILING = "approval_filing", _("报上级党委组织部门备案")
    ASSIGNMENT = "assignment", _("编入党支部和党小组")
    OATH = "oath", _("入党宣誓")
    PROBATION_REVIEW = "probation_review", _("继续教育考察")
    CONVERSION_APPLICATION = "conversion_application", _("提出转正申请")
    CONVERSION_MEETING = "conversion_meeting", _("支部大会讨论转正")
    CONVERSION_APPROVAL = "conversion_approval", _("上级党委审批转正")
    ARCHIVE = "archive", _("材料归档")
    # Off the main line (domain §1.4).
    EXTENSION = "extension", _("延长预备期")
    CANCELLATION = "cancellation", _("取消预备党员资格")
    REJECTION = "rejection", _("党委不批准")
    TRANSFER_OUT = "transfer_out", _("转出（转交新党组织继续培养）")
    CLOSE = "close", _("终止（撤回申请或不合格）")


class SponsorKind(models.TextChoices):
    CONTACT = "contact", _("培养联系人")
    INTRODUCER = "introducer", _("入党介绍人")


class PublicityPurpose(models.TextChoices):
    CANDIDATE = "candidate", _("发展对象公示")
    ACCEPTANCE = "acceptance", _("拟接收预备党员公示")
    CONVERSION = "conversion", _("拟转正公示")


class PublicityResult(models.TextChoices):
    PENDING = "pending", _("公示中")
    NO_OBJECTION = "no_objection", _("无异议")
    RESOLVED = "resolved", _("有异议，经核实不影响")
    UPHELD = "upheld", _("有异议，经核实影响发展")


class VotePurpose(models.TextChoices):
    ACCEPTANCE = "acceptance", _("接收预备党员")
    CONVERSION = "conversion", _("预备党员转正")
    EXTENSION = "extension", _("延长预备期")
    CANCELLATION = "cancellation", _("取消预备党员资格")


class VoteMethod(models.TextChoices):
    SHOW_OF_HANDS = "show_of_hands", _("举手表决")
    SECRET_BALLOT = "secret_ballot", _("无记名投票")


class MaterialKind(models.TextChoices):
    APPLICATION = "application", _("入党申请书")
    THOUGHT_REPORT = "thought_report", _("思想汇报")
    POLITICAL_REVIEW = "political_review", _("政审材料")
    TRAINING = "training", _("培训证明")
    VOLUNTEER_FORM = "volunteer_form", _("入党志愿书")
    CONVERSION_APPLICATION = "conversion_application", _("转正申请书")
    OTHER = "other", _("其他")

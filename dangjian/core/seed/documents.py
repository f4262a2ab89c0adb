"""公文 and 工作任务 of the demo data (issue 7), written after the organisations and the demo
accounts (it reads them back from the database, so `write_documents` also runs on its own over
an existing tree).

Both scales: 机关代字 for the group (集团党), every 二级党委 and every mine (一矿党, header
中共一矿委员会文件).

Mine scale (`make demo`), what a new user tries first:

* the showcase 通知 of the mine's 党委办公室 to all its branches, 加急, issued on the last
  working day before seeding with a 3-day reply deadline: all but 10 branches signed (two of
  them late), most read it, a few replied; the demo secretary's branch is among the 10 unsigned
  (he can sign it), and the 10 are past their 签收时限, so 一键催办 chases them at once;
* about 25 older documents over the last year (通知, 通报 with a table, 决定, 意见, 纪要, a 请示 to
  the group and the group's 批复 of it, a 报告, the group's 通知 and 意见 to the mine), most
  fully signed and handled, replies where asked (two branches never replied and were chased),
  one receipt returned, one document withdrawn before anyone signed, one 更正 of another;
* two drafts in the workflow (待核稿 drafted by 组织部, 待签发 for the 党委书记);
* on the mine's receiving side: the group's documents registered with 收文编号, one circulated to
  the 党委书记 with a 批示, one assigned to 主办/协办, one not signed yet, and three paper
  documents registered by hand (one 秘密 without any file);
* in the demo secretary's branch one received document circulated to two members (the 支部委员
  read it and wrote a 批示, the 普通党员 has not read it yet);
* three 工作任务 from the mine to its branches, one with an Excel form template, with accepted,
  submitted, returned and pending assignments.

Rows are written directly (receipts through the real dispatch, numbers through the real
sequences), not through the services: the dates are in the past, and the services stamp the
present. The summary counters of every document and task are computed at the end from the rows
(the tests compare them with a recount). No audit entries are written for the seeded history.
"""

from __future__ import annotations

import io
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models import Count, Q

ZONE = ZoneInfo(settings.TIME_ZONE)
UNSIGNED_ON_SHOWCASE = 10
SHOWCASE_TITLE = "关于报送{year}年度党支部工作总结的通知"


@dataclass
class DocumentsSummary:
    prefixes: int = 0
    documents: int = 0
    receipts: int = 0
    tasks: int = 0
    seconds: float = 0.0


def write_documents(
    *,
    scale: str,
    rng: random.Random,
    today: date,
    progress: Callable[[str], None] = lambda message: None,
) -> DocumentsSummary:
    started = time.monotonic()
    summary = DocumentsSummary(prefixes=write_prefixes())
    if scale == "mine":
        demo = _Demo(rng, today)
        if demo.ready():
            demo.write()
            summary.documents, summary.receipts, summary.tasks = demo.counts()
    summary.seconds = time.monotonic() - started
    progress(
        f"公文：机关代字 {summary.prefixes} 个，发文 {summary.documents} 件，"
        f"收文 {summary.receipts} 份，工作任务 {summary.tasks} 项，用时 {summary.seconds:.1f} 秒"
    )
    return summary


def prefix_for(organization) -> tuple[str, str]:
    """(机关代字, 发文机关标志) of a 党委: 一矿党委 → 一矿党, 中共一矿委员会文件; the group's
    header is its full name."""
    short = organization.short_name or organization.name
    code = short[:-1] if short.endswith("党委") else short
    if organization.depth == 1:
        return code, f"{organization.name}文件"
    bare = short[:-2] if short.endswith("党委") else short
    return code, f"中共{bare}委员会文件"


def write_prefixes() -> int:
    from dangjian.documents.models import IssuerPrefix
    from dangjian.orgs.models import Organization, OrgType

    committees = Organization.objects.filter(org_type=OrgType.COMMITTEE, is_active=True)
    have = set(IssuerPrefix.objects.values_list("organization_id", flat=True))
    rows = []
    for organization in committees.order_by("path"):
        if organization.pk in have:
            continue
        code, header = prefix_for(organization)
        rows.append(
            IssuerPrefix(organization=organization, code=code, header=header, is_default=True)
        )
    IssuerPrefix.objects.bulk_create(rows)
    return len(rows)


def delete_seeded_documents() -> None:
    """Delete every row this module writes (tests empty the database before seeding again);
    the documents' links to each other and to receipts are cut first (they PROTECT)."""
    from dangjian.documents import models as documents
    from dangjian.office import models as office

    documents.Document.objects.update(in_reply_to=None, corrects=None)
    for model in (
        office.TaskFile, office.TaskAssignment, office.WorkTask, documents.DocumentFile,
        documents.Chase, documents.Reply, documents.Handling, documents.Circulation,
        documents.Receipt, documents.DocumentAddress, documents.Document,
        documents.NumberSequence, documents.IssuerPrefix,
    ):  # fmt: skip
        model.objects.all().delete()


def recount_documents(documents) -> int:
    """Set the summary counters of the documents from their receipts (the seed writes receipts
    in bulk); returns how many documents it updated."""
    from dangjian.documents.models import Document, Receipt

    rows = (
        Receipt.objects.filter(document__in=documents)
        .values("document")
        .annotate(
            recipients=Count("pk"),
            signed=Count("pk", filter=Q(signed_at__isnull=False)),
            read=Count("pk", filter=Q(read_at__isnull=False)),
            replied=Count("pk", filter=Q(replied_at__isnull=False)),
            returned=Count("pk", filter=Q(status=Receipt.Status.RETURNED)),
        )
    )
    updated = 0
    for row in rows:
        updated += Document.objects.filter(pk=row["document"]).update(
            recipient_count=row["recipients"],
            signed_count=row["signed"],
            read_count=row["read"],
            replied_count=row["replied"],
            returned_count=row["returned"],
        )
    return updated


def recount_tasks(tasks) -> None:
    from dangjian.office.models import TaskAssignment, WorkTask

    status = TaskAssignment.Status
    rows = (
        TaskAssignment.objects.filter(task__in=tasks)
        .values("task")
        .annotate(
            assignees=Count("pk"),
            submitted=Count("pk", filter=Q(status=status.SUBMITTED)),
            accepted=Count("pk", filter=Q(status=status.ACCEPTED)),
            returned=Count("pk", filter=Q(status=status.RETURNED)),
        )
    )
    for row in rows:
        WorkTask.objects.filter(pk=row["task"]).update(
            assignee_count=row["assignees"],
            submitted_count=row["submitted"],
            accepted_count=row["accepted"],
            returned_count=row["returned"],
        )


# ------------------------------------------------------------------------------- contents


def _paragraphs(*texts: str) -> str:
    return "".join(f"<p>{text}</p>" for text in texts)


OLDER = (
    # days ago, 文种, title, reply required (deadline in days), body
    (
        330,
        "tongzhi",
        "关于进一步规范党费收缴工作的通知",
        None,
        _paragraphs(
            "各党支部：",
            "为进一步规范党费收缴、使用和管理工作，根据《中国共产党章程》和中共中央组织部《关于中国共产党"
            "党费收缴、使用和管理的规定》，现就进一步规范党费收缴工作通知如下。",
            "一、各党支部要按月足额收缴党费，于每季度末月20日前将党费交至矿党委组织部。",
            "二、党员因下井、轮休等原因不能按时交纳的，可委托同一党小组的党员代交，并在党费收缴登记表中注明。",
            "三、各党支部要做好党费收缴登记，做到账目清楚、手续完备，每季度在支部范围内公示一次。",
        ),
    ),
    (
        300,
        "yijian",
        "关于加强和改进新形势下煤矿基层党支部建设的实施意见",
        None,
        _paragraphs(
            "各党支部、党总支：",
            "为深入贯彻新时代党的组织路线，推动党建工作与安全生产深度融合，结合本矿实际，提出如下实施意见。",
            "一、坚持把党支部建在区队上、党小组建在班组上，党员分布在关键岗位上。",
            "二、严格落实“三会一课”、主题党日、组织生活会和民主评议党员等制度，提高组织生活质量。",
            "三、深化“党员先锋岗”“党员责任区”创建，每名党员联系一至三名职工，做到安全上互相提醒。",
            "四、各党支部书记每年向矿党委述职一次，述职情况纳入年度考核。",
        ),
    ),
    (270, "tongbao", "关于上季度“三会一课”落实情况的通报", None, None),  # table body
    (
        245,
        "jueding",
        "关于表彰{last}年度先进基层党组织、优秀共产党员和优秀党务工作者的决定",
        None,
        _paragraphs(
            "各党支部、党总支：",
            "{last}年，全矿各级党组织和广大党员紧紧围绕安全生产中心任务，攻坚克难、担当作为，涌现出一批"
            "先进集体和先进个人。为树立典型、弘扬正气，经矿党委研究，决定对综采一队党支部等6个先进基层党组织、"
            "28名优秀共产党员和9名优秀党务工作者予以表彰。",
            "希望受到表彰的党组织和个人珍惜荣誉、再接再厉，全矿各级党组织和广大党员要以先进为榜样，"
            "为实现矿井安全高效发展作出新的更大贡献。",
        ),
    ),
    (
        220,
        "tongzhi",
        "关于开展“学党章、守纪律、保安全”主题党日活动的通知",
        10,
        _paragraphs(
            "各党支部：",
            "为教育引导广大党员牢固树立安全发展理念，矿党委决定在全矿开展“学党章、守纪律、保安全”主题党日活动。",
            "一、活动时间：本月党员活动日。",
            "二、活动内容：集中学习党章有关条款，重温入党誓词，开展一次岗位安全隐患排查。",
            "三、有关要求：各党支部于活动结束后10日内，将活动开展情况（含照片2至3张）报矿党委办公室。",
        ),
    ),
    (
        190,
        "jiyao",
        "一矿党委{year}年第6次党委会议纪要",
        None,
        _paragraphs(
            "时间：{date}上午9时",
            "地点：矿调度楼三楼会议室",
            "主持：党委书记",
            "会议听取了近期党建工作情况汇报，研究了发展党员、评先表彰和基层党组织换届等事项。会议议定：",
            "一、同意各党支部上报的发展对象名单，由组织部按程序组织培训和考察。",
            "二、近期开展走访慰问困难党员和老党员活动，由党委办公室牵头落实。",
            "三、下半年到期的党支部要按期换届，组织部做好指导。",
        ),
    ),
    (
        165,
        "tongzhi",
        "关于开展党员先锋岗创建活动的通知",
        None,
        _paragraphs(
            "各党支部：",
            "为充分发挥党员在安全生产中的先锋模范作用，现就开展党员先锋岗创建活动通知如下：",
            "一、每个区队至少设立2个党员先锋岗，在井下作业现场挂牌公示。",
            "二、党员要做到“三不伤害”，每月至少排查并上报一条安全隐患。",
            "三、矿党委将组织检查，对成绩突出的党员先锋岗给予表扬。",
        ),
    ),
    (
        150,
        "tongzhi",
        "关于开展走访慰问困难党员和老党员活动的通知",
        None,
        _paragraphs(
            "各党支部、党总支：",
            "把党组织的关怀送到党员心坎上，矿党委决定开展走访"
            "慰问困难党员和老党员活动。请各党支部于本通知下发后10日内将慰问对象名单报矿党委"
            "组织部。",
        ),
    ),
    (
        125,
        "tongzhi",
        "关于开展{year}年度发展党员工作专项检查的通知",
        14,
        _paragraphs(
            "各党支部：",
            "为严格发展党员工作程序，提高发展党员质量，矿党委决定对各党支部近三年发展党员工作进行专项检查。",
            "一、自查范围：入党申请人、入党积极分子、发展对象和预备党员的全部档案材料。",
            "二、各党支部对照“五个阶段二十五个步骤”逐人自查，填写自查表，于14日内回复自查情况。",
            "三、矿党委组织部将抽查自查情况，发现问题的限期整改。",
        ),
    ),
    (
        100,
        "tongbao",
        "关于对违反中央八项规定精神典型问题的通报",
        None,
        _paragraphs(
            "各党支部、党总支：",
            "近期，集团公司纪委通报了几起违反中央八项规定精神的典型问题。现将有关情况转发给你们，"
            "请各党支部组织党员认真学习，引以为戒。",
            "各级党组织要持续加固中央八项规定精神堤坝，紧盯节假日等重要节点，严防“四风”问题反弹回潮。",
        ),
    ),
    (
        80,
        "yijian",
        "关于进一步规范党支部“三会一课”记录的指导意见",
        None,
        _paragraphs(
            "各党支部：",
            "针对检查中发现的会议记录过于简单、发言要点缺失等问题，提出如下意见：",
            "一、会议记录要写明时间、地点、主持人、应到实到人数和缺席原因。",
            "二、讨论事项要记录每名党员的发言要点，表决事项要记录表决结果。",
            "三、会议记录由记录人签名，支部书记审核后归档。",
        ),
    ),
    (
        60,
        "tongzhi",
        "关于开展安全隐患排查党员突击队活动的通知",
        None,
        _paragraphs(
            "各党支部：",
            "防火、防冻、防滑、防煤气中毒（“四防”）是安全生产的基础工作。矿党委决定组建党员"
            "突击队，开展“四防”安全隐患排查活动。",
            "请各党支部组织党员对本单位作业场所、职工宿舍等重点部位进行全面排查，发现问题立即整改。",
        ),
    ),
    (
        35,
        "tongzhi",
        "关于做好{year}年度民主评议党员工作的通知",
        12,
        _paragraphs(
            "各党支部：",
            "根据上级党委统一部署，矿党委决定开展{year}年度民主评议党员工作。",
            "一、时间安排：学习教育、自我评价、民主测评、组织评定四个环节，年底前完成。",
            "二、各党支部要结合组织生活会一并开展，评议结果报矿党委组织部备案。",
            "三、请各党支部于12日内回复本支部民主评议工作安排。",
        ),
    ),
    (
        20,
        "jiyao",
        "一矿党委党建工作领导小组会议纪要",
        None,
        _paragraphs(
            "时间：{date}下午3时",
            "地点：矿党建活动中心",
            "会议研究了年度基层党建工作考核办法和党支部书记抓党建述职评议工作安排。会议议定：",
            "一、考核结果分为好、较好、一般、差四个等次。",
            "二、述职评议工作由组织部牵头，年底前完成。",
        ),
    ),
    (
        9,
        "tongzhi",
        "关于组织收看“新时代煤矿安全生产”专题党课的通知",
        None,
        _paragraphs(
            "各党支部：",
            "集团公司党委将于本周五下午举办“新时代煤矿安全生产”专题党课并进行视频直播。请各党支部组织"
            "不当班的党员集中收看，并做好学习记录。",
        ),
    ),
)
WITHDRAWN = ("关于召开党支部书记工作例会的通知", "会议时间调整，另行通知。")
CORRECTED_DAYS_AGO = 150  # the 走访慰问 notice above: its correction changes a date
CORRECTION_BODY = _paragraphs(
    "各党支部、党总支：",
    "矿党委{number}《关于开展走访慰问困难党员和老党员活动的通知》中，“本通知下发后10日内”"
    "更正为“本通知下发后15日内”。其他内容不变。",
    "特此更正。",
)
REQUEST = (
    "qingshi",
    "关于一矿党委增设综采三队党支部的请示",
    _paragraphs(
        "集团公司党委：",
        "随着矿井智能化综采工作面投产，综采三队已组建完成，现有职工126人，其中党员21名（正式党员19名，"
        "预备党员2名）。根据《中国共产党支部工作条例（试行）》有关规定，拟增设中共嵩阳煤业集团一矿综采"
        "三队支部委员会。",
        "妥否，请批示。",
    ),
)
REPLY = (
    "pifu",
    "关于同意一矿党委增设综采三队党支部的批复",
    _paragraphs(
        "一矿党委：",
        "你委《关于一矿党委增设综采三队党支部的请示》收悉。经集团公司党委研究，同意增设中共嵩阳煤业集团一矿"
        "综采三队支部委员会。请按照有关规定做好党员组织关系接转和支部委员选举工作。",
        "此复。",
    ),
)
REPORT = (
    "baogao",
    "一矿党委关于基层党建工作情况的报告",
    _paragraphs(
        "集团公司党委：",
        "今年以来，一矿党委坚持以党建引领安全生产，各项工作有序推进。现将有关情况报告如下。",
        "一、基层组织建设：完成4个党支部换届，新发展党员12名。",
        "二、党员教育管理：组织集中培训3期，党员参训率98%。",
        "三、下一步工作打算：深化党建与安全生产融合，抓好组织生活会和民主评议党员工作。",
        "特此报告。",
    ),
)
GROUP_DOWN = (
    # days ago, 文种, title, reply deadline, how the mine handled it
    (200, "yijian", "关于深化“党建+安全”融合工作的指导意见", None, "circulated"),
    (95, "tongzhi", "关于开展{year}年度基层党组织书记抓党建述职评议考核工作的通知", 20, "handled"),
    (40, "tongzhi", "关于做好安全生产和廉洁自律工作的通知", None, "archived"),
    (0, "tongzhi", "关于报送{year}年度党员统计年报的通知", 15, "unsigned"),
)
GROUP_BODY = _paragraphs(
    "各二级党委、各矿党委：",
    "为贯彻落实集团公司党委工作部署，现将有关事项通知如下，请结合实际认真抓好落实。",
    "一、提高思想认识，把这项工作摆上重要议事日程，党委书记亲自抓。",
    "二、细化工作措施，明确责任部门和完成时限。",
    "三、有关情况请按要求报集团公司党委办公室。",
)
DRAFTS = (
    # status, title, body, drafted by, reviewed by
    (
        "reviewing",
        "关于开展党员组织关系集中排查工作的通知",
        _paragraphs(
            "各党支部、党总支：",
            "为摸清党员底数，解决“口袋党员”“失联党员”问题，矿党委决定开展党员组织关系集中排查。",
            "请各党支部对照党员名册逐人核对，于本月底前将排查情况报矿党委组织部。",
        ),
        "zuzhibu",
        None,
    ),
    (
        "signing",
        "关于开展安全生产党员“身边无事故”活动的通知",
        _paragraphs(
            "各党支部：",
            "矿党委决定在全矿党员中开展“身边无事故”活动，每名党员"
            "保证自己和身边的职工不发生“三违”和安全事故。",
        ),
        "bangongshi",
        "zuzhibu",
    ),
)
PAPER = (
    # days ago, source, number, title, classification, copies, files
    (
        70,
        "中共嵩阳市委组织部",
        "嵩组通〔{year}〕35号",
        "关于做好{year}年度党员教育培训工作的通知",
        "none",
        1,
        True,
    ),
    (
        45,
        "嵩阳市应急管理局",
        "嵩应急〔{year}〕112号",
        "关于进一步加强煤矿安全生产工作的通知",
        "internal",
        2,
        True,
    ),
    (
        12,
        "中共嵩阳市委政法委员会",
        "嵩政法〔{year}〕9号",
        "关于做好重要节点维护稳定工作的通知",
        "secret",
        1,
        False,
    ),
)
REPLY_TEXTS = (
    "已按通知要求组织学习，支部党员全部参加，活动照片和记录已存档。",
    "本支部已完成自查，未发现问题，自查表已报组织部。",
    "收到，已在支部委员会上传达，并安排各党小组落实。",
    "本支部按要求完成，具体情况见附件材料，请审阅。",
    "已组织党员学习，并结合本队实际开展了安全隐患排查，整改问题3项。",
)
SHOWCASE_REPLIES = (
    "本支部年度工作总结已经支委会讨论通过，现报送，请审阅。",
    "已完成，总结材料已按模板填写，回执已一并报送。",
    "收到通知，本支部年度总结已报送，请审阅。",
    "本支部工作总结已完成，党员大会于本周内审议。",
)
TASKS = (
    # title, description, deadline (days from today), requires form, requires files,
    # shares of (accepted, submitted, returned) — the rest pending
    (
        "报送{year}年度党员教育培训情况统计表",
        "请各党支部按模板填写本支部{year}年度党员教育培训情况（党员总数、参加集中培训人数、人均学时、"
        "讲党课次数），由支部书记审核后报送。",
        5,
        True,
        False,
        (0.3, 0.2, 0.08),
    ),
    (
        "上报党支部“三会一课”问题整改清单",
        "对照上季度“三会一课”检查通报，逐条列出本支部存在的问题、整改措施和完成时间，上传整改清单"
        "（Word 或 PDF）。",
        -3,
        False,
        True,
        (0.75, 0.05, 0.05),
    ),
    (
        "报送{year}年发展党员计划建议",
        "请各党支部结合入党积极分子培养情况，提出下一年度发展党员计划建议，简要说明理由。",
        12,
        False,
        False,
        (0.05, 0.15, 0.0),
    ),
)
FORM_HEADER = ("党支部", "党员总数", "参加集中培训人数", "人均学时", "讲党课次数", "备注")
RETURN_REASONS = (  # one per task above
    "表格中参加集中培训人数大于党员总数，请核实后重新报送。",
    "整改措施过于笼统，请逐条写明责任人和完成时间后重新报送。",
    "请补充拟发展对象的培养考察情况后重新报送。",
)
SECRET_NOTE = "原件存矿党委机要室，按机要渠道传阅，本平台不存储正文。"  # noqa: S105 — a 密级 note, not a password


class _Demo:
    """The demo mine's documents and tasks (mine scale)."""

    def __init__(self, rng: random.Random, today: date):
        self.rng = rng
        self.today = today
        self.documents: list = []
        self.tasks: list = []
        self.registrations: list = []  # (receipt, when): 收文编号 given in date order at the end

    # --- reading the tree back ------------------------------------------------------------

    def ready(self) -> bool:
        from dangjian.accounts.models import User
        from dangjian.documents.models import IssuerPrefix
        from dangjian.orgs.models import BRANCH_TYPES, Organization, OrgType

        self.users = {
            user.username: user
            for user in User.objects.filter(
                username__in=[
                    "bangongshi",
                    "lingdao",
                    "zuzhibu",
                    "jituan",
                    "shuji",
                    "dangyuan",
                    "weiyuan",
                    "ganshi",
                ]
            )
        }
        self.root = Organization.objects.filter(depth=1).order_by("path").first()
        self.mine = (
            Organization.objects.filter(org_type=OrgType.COMMITTEE, depth=2)
            .order_by("path")
            .first()
        )
        needed = {"bangongshi", "lingdao", "zuzhibu", "jituan", "shuji"}
        if self.mine is None or not needed <= set(self.users):
            return False
        self.prefixes = {
            prefix.organization_id: prefix
            for prefix in IssuerPrefix.objects.filter(organization__in=[self.root, self.mine])
        }
        self.branches = list(
            Organization.objects.filter(
                path__startswith=self.mine.path, org_type__in=BRANCH_TYPES, is_active=True
            ).order_by("path")
        )
        grants = self.users["shuji"].role_assignments.values_list("organization_id", flat=True)
        self.demo_branch = next((b for b in self.branches if b.pk in set(grants)), None)
        self.root_secretary = self._secretary_name(self.root)
        return bool(self.branches)

    @staticmethod
    def _secretary_name(organization) -> str:
        from dangjian.orgs.models import CommitteePost

        post = (
            CommitteePost.objects.filter(
                committee__organization=organization, committee__is_current=True
            )
            .order_by("sort_order")
            .select_related("person")
            .first()
        )
        return post.person.name if post else ""

    # --- time -----------------------------------------------------------------------------

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE)

    def working_day_before(self, day: date) -> date:
        from dangjian.core.workdays import is_working_day

        day -= timedelta(days=1)
        while not is_working_day(day):
            day -= timedelta(days=1)
        return day

    # --- writing --------------------------------------------------------------------------

    def write(self) -> None:
        from dangjian.documents.models import Document

        # Each issue is planned with its time and run in date order, so the 发文字号 of every
        # issuer grow with the dates (a 批复 after its 请示, a 更正 after the original).
        self.steps: list[tuple[datetime, int, Callable[[], None]]] = []
        self._older()
        self._upward()
        self._group_down()
        self._withdrawn()
        self._showcase()
        for _, _, step in sorted(self.steps, key=lambda entry: entry[:2]):
            step()
        self._drafts()
        self._paper()
        self._register_all()
        recount_documents(self.documents)
        self.documents = list(Document.objects.filter(pk__in=[d.pk for d in self.documents]))
        self._tasks()
        recount_tasks(self.tasks)

    def counts(self) -> tuple[int, int, int]:
        from dangjian.documents.models import Receipt

        receipts = Receipt.objects.filter(
            Q(document__in=self.documents) | Q(is_paper=True, organization=self.mine)
        ).count()
        return len(self.documents), receipts, len(self.tasks)

    def _fill(self, text: str, day: date) -> str:
        return text.format(
            year=day.year, last=day.year - 1, date=f"{day.year}年{day.month}月{day.day}日"
        )

    def _issue(
        self,
        *,
        issuer,
        doc_type,
        title,
        body,
        addresses,
        issued_at,
        urgency="normal",
        deadline=None,
        drafted_by,
        signer=None,
        signer_name="",
        in_reply_to=None,
        corrects=None,
        attachment_note="",
        remark="",
    ):
        # 核稿: the mine's 组织部 for the office's drafts; the group's are not reviewed here.
        """An issued document: number from the real sequence, receipts from the real
        dispatch. `addresses`: (organization, include_subtree, org_type, role)."""
        from dangjian.core.richtext import sanitize_html
        from dangjian.documents.models import Document, DocumentAddress
        from dangjian.documents.numbering import document_number, next_serial
        from dangjian.documents.services.dispatch import create_receipts, expand_addresses

        prefix = self.prefixes[issuer.pk]
        day = issued_at.astimezone(ZONE).date()
        year = day.year
        serial = next_serial(issuer, prefix.code, year)
        office = self.users["bangongshi"] if issuer == self.mine else self.users["jituan"]
        document = Document.objects.create(
            issuer=issuer,
            doc_type=doc_type,
            prefix=prefix,
            year=year,
            serial=serial,
            number=document_number(prefix.code, year, serial),
            title=self._fill(title, day),
            urgency=urgency,
            body_html=sanitize_html(self._fill(body, day)),
            attachment_note=attachment_note,
            remark=remark,
            signatory=issuer.name,
            signer=signer,
            signer_name=signer_name or (signer.display_name if signer else ""),
            dated=day,
            printer=f"{issuer.short_name or issuer.name}办公室",
            reply_required=deadline is not None,
            deadline=deadline,
            in_reply_to=in_reply_to,
            corrects=corrects,
            status=Document.Status.ISSUED,
            drafted_by=drafted_by,
            reviewed_by=self.users["zuzhibu"] if issuer == self.mine else None,
            issued_by=office,
            submitted_at=issued_at - timedelta(days=2, hours=3),
            reviewed_at=issued_at - timedelta(days=1, hours=5) if issuer == self.mine else None,
            signed_at=issued_at - timedelta(hours=20),
            issued_at=issued_at,
        )
        DocumentAddress.objects.bulk_create(
            DocumentAddress(
                document=document,
                organization=org,
                include_subtree=subtree,
                org_type=org_type,
                role=role,
            )
            for org, subtree, org_type, role in addresses
        )
        create_receipts(document, expand_addresses(document), sent_at=issued_at)
        self.documents.append(document)
        return document

    def _plan(self, when: datetime, step: Callable[[], None]) -> None:
        self.steps.append((when, len(self.steps), step))

    def _to_branches(self):
        return [(self.mine, True, "branch", "main")]

    def _signers(self, receipts) -> dict[int, int]:
        """{organisation id: the user who signs for it} — the nearest level holding the sign
        permission, the office's clerk when the mine signs."""
        from dangjian.documents.access import signers_of

        preferred = [
            self.users[name].pk
            for name in ("shuji", "ganshi", "bangongshi", "jituan")
            if name in self.users
        ]
        holders = signers_of([receipt.organization for receipt in receipts])
        return {org_id: _first(users, preferred) for org_id, users in holders.items()}

    def _receipts(self, document) -> list:
        return list(document.receipts.select_related("organization").order_by("copy_no"))

    # --- the year's documents to the branches ---------------------------------------------

    def _older(self) -> None:
        for days_ago, doc_type, title, reply_days, body in OLDER:
            day = self.today - timedelta(days=days_ago)
            issued_at = self.at(day, 9 + self.rng.randrange(0, 7), self.rng.randrange(0, 60))
            deadline = day + timedelta(days=reply_days) if reply_days else None
            body = body or self._quarter_table()

            def step(
                days_ago=days_ago,
                doc_type=doc_type,
                title=title,
                body=body,
                issued_at=issued_at,
                deadline=deadline,
            ):
                document = self._issue(
                    issuer=self.mine,
                    doc_type=doc_type,
                    title=title,
                    body=body,
                    addresses=self._to_branches(),
                    issued_at=issued_at,
                    deadline=deadline,
                    drafted_by=self.users["bangongshi"],
                    signer=self.users["lingdao"],
                    remark="（此件发至党支部）",
                )
                self._handle_branches(document, self._receipts(document), days_ago=days_ago)
                if days_ago == CORRECTED_DAYS_AGO:
                    self.corrected = document

            self._plan(issued_at, step)
            if days_ago == CORRECTED_DAYS_AGO:
                self._plan(issued_at + timedelta(days=2, hours=1), self._correction)

    def _correction(self) -> None:
        original = self.corrected
        correction = self._issue(
            issuer=self.mine,
            doc_type="tongzhi",
            title=f"关于更正《{original.title}》的通知",
            body=CORRECTION_BODY.replace("{number}", original.number),
            addresses=self._to_branches(),
            issued_at=original.issued_at + timedelta(days=2, hours=1),
            drafted_by=self.users["bangongshi"],
            signer=self.users["lingdao"],
            corrects=original,
        )
        self._handle_branches(correction, self._receipts(correction), days_ago=CORRECTED_DAYS_AGO)

    def _quarter_table(self) -> str:
        """The 通报's body: a paragraph and a table of the branches' meetings."""
        rows = []
        for branch in self.branches[:12]:
            planned = (3, 3, 1, 3)
            held = [n - (self.rng.random() < 0.12) for n in planned]
            rate = round(100 * sum(held) / sum(planned))
            cells = "".join(f"<td>{n}</td>" for n in held)
            rows.append(f"<tr><td>{branch.short_name}</td>{cells}<td>{rate}%</td></tr>")
        head = "".join(
            f"<th>{name}</th>"
            for name in ("党支部", "支部党员大会", "支委会", "党课", "主题党日", "落实率")
        )
        return (
            _paragraphs(
                "各党支部：",
                "矿党委组织部对各党支部上季度“三会一课”落实情况进行了检查。总体看，多数党支部"
                "能够按计划开展组织生活，但也有个别党支部存在会议记录不规范、党课次数不足等问题。"
                "现将部分党支部的检查情况通报如下：",
            )
            + f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            + _paragraphs(
                "请落实率低于90%的党支部于下月底前完成整改，并将整改情况报矿党委组织部。",
            )
        )

    def _handle_branches(self, document, receipts, *, days_ago: int) -> None:
        """Signed by nearly everyone on time; read; replies where asked (two never replied
        and were chased); archived when older than a month."""
        from dangjian.documents.models import Chase, Receipt, Reply

        signers = self._signers(receipts)
        issued_at = document.issued_at
        replies, chased = [], []
        for index, receipt in enumerate(receipts):
            late = self.rng.random() < 0.08
            hours = self.rng.uniform(20, 40) if late else self.rng.uniform(0.2, 7)
            receipt.signed_at = issued_at + timedelta(hours=hours)
            receipt.signed_by_id = signers.get(receipt.organization_id)
            receipt.read_at = receipt.signed_at + timedelta(minutes=self.rng.randrange(5, 240))
            receipt.status = Receipt.Status.SIGNED
            if document.reply_required:
                if index in (3, 17):  # never replied: chased after the deadline
                    chased.append(receipt)
                else:
                    spread = max(1, (document.deadline - issued_at.date()).days)
                    when = receipt.read_at + timedelta(days=self.rng.uniform(0.5, spread + 1.5))
                    receipt.replied_at = when
                    receipt.status = Receipt.Status.REPLIED
                    replies.append(
                        Reply(
                            receipt=receipt,
                            text=self.rng.choice(REPLY_TEXTS),
                            author_id=receipt.signed_by_id,
                        )
                    )
            if days_ago > 30 and receipt not in chased and self.rng.random() < 0.85:
                receipt.status = Receipt.Status.ARCHIVED
                receipt.archived_at = (receipt.replied_at or receipt.read_at) + timedelta(days=2)
                receipt.result_note = "已传达学习，按要求落实。"
        if days_ago == 125 and len(receipts) > 5:  # one branch sent it back: not its business
            returned = receipts[5]
            returned.status = Receipt.Status.RETURNED
            returned.returned_at = returned.signed_at + timedelta(hours=1)
            returned.returned_by_id = returned.signed_by_id
            returned.return_reason = "本支部近三年未发展党员，无发展党员档案，请核实发文范围。"
            returned.replied_at = None
            returned.archived_at = None
            replies = [reply for reply in replies if reply.receipt is not returned]
            chased = [receipt for receipt in chased if receipt is not returned]
        _update_rows(
            receipts,
            [
                "signed_at",
                "signed_by",
                "read_at",
                "status",
                "replied_at",
                "archived_at",
                "result_note",
                "returned_at",
                "returned_by",
                "return_reason",
            ],
        )
        Reply.objects.bulk_create(replies)
        for reply in replies:
            Reply.objects.filter(pk=reply.pk).update(created_at=reply.receipt.replied_at)
        for receipt in chased:
            overdue = document.deadline + timedelta(days=1)
            chase_days = [overdue, overdue + timedelta(days=1)]
            Chase.objects.bulk_create(
                Chase(receipt=receipt, kind=Chase.Kind.AFTER_DEADLINE, day=day)
                for day in chase_days
            )
            manual = Chase.objects.create(
                receipt=receipt,
                kind=Chase.Kind.MANUAL,
                day=overdue + timedelta(days=2),
                by=self.users["bangongshi"],
            )
            last = self.at(overdue + timedelta(days=2), 10, 5)
            Chase.objects.filter(receipt=receipt, kind=Chase.Kind.AFTER_DEADLINE).update(
                created_at=self.at(overdue, 8, 0)
            )
            Chase.objects.filter(pk=manual.pk).update(created_at=last)
            Receipt.objects.filter(pk=receipt.pk).update(chase_count=3, last_chased_at=last)
        if document.doc_type == "yijian" and days_ago == 80 and self.demo_branch is not None:
            self._circulate_in_branch(document)

    def _circulate_in_branch(self, document) -> None:
        """传阅 in the demo secretary's branch: the 支部委员 read it and wrote a 批示; the
        ordinary member has it in 我的传阅, unread."""
        from dangjian.documents.models import Circulation, Receipt

        receipt = Receipt.objects.get(document=document, organization=self.demo_branch)
        readers = [self.users[name] for name in ("weiyuan", "dangyuan") if name in self.users]
        if not readers:
            return
        shuji = self.users["shuji"]
        sent = receipt.read_at + timedelta(hours=1)
        Receipt.objects.filter(pk=receipt.pk).update(
            status=Receipt.Status.CIRCULATING, signed_by=shuji, archived_at=None, result_note=""
        )
        for reader in readers:
            circulation = Circulation.objects.create(receipt=receipt, reader=reader, sent_by=shuji)
            read = reader.username == "weiyuan"
            Circulation.objects.filter(pk=circulation.pk).update(
                sent_at=sent,
                read_at=sent + timedelta(hours=3) if read else None,
                instruction="已阅。请各党小组在本月党小组会上组织学习，对照检查会议记录。"
                if read
                else "",
                instructed_at=sent + timedelta(hours=3) if read else None,
            )

    # --- up to the group and back ---------------------------------------------------------

    def _upward(self) -> None:

        for days_ago, spec in ((150, REPORT), (58, REQUEST)):
            day = self.today - timedelta(days=days_ago)
            self._plan(self.at(day, 10, 20), lambda day=day, spec=spec: self._upward_one(day, spec))
        day = self.today - timedelta(days=52)
        self._plan(self.at(day, 15, 0), lambda day=day: self._reply(day))

    def _upward_one(self, day: date, spec) -> None:
        from dangjian.documents.models import Receipt

        bangongshi, lingdao, jituan = (self.users[n] for n in ("bangongshi", "lingdao", "jituan"))
        to_group = [(self.root, False, "", "main")]
        doc_type, title, body = spec
        document = self._issue(
            issuer=self.mine,
            doc_type=doc_type,
            title=title,
            body=body,
            addresses=to_group,
            issued_at=self.at(day, 10, 20),
            drafted_by=bangongshi,
            signer=lingdao,
        )
        receipt = self._receipts(document)[0]
        receipt.signed_at = document.issued_at + timedelta(hours=1, minutes=12)
        receipt.signed_by = jituan
        receipt.read_at = receipt.signed_at + timedelta(minutes=20)
        receipt.status = Receipt.Status.ARCHIVED if doc_type == "baogao" else "registered"
        receipt.proposal = "请组织部研究办理。" if doc_type == "qingshi" else "呈领导阅示。"
        receipt.archived_at = receipt.read_at + timedelta(days=3) if doc_type == "baogao" else None
        receipt.save()
        self.registrations.append((receipt, receipt.read_at))
        if doc_type == "qingshi":
            self.request_receipt = receipt

    def _reply(self, day: date) -> None:
        """The group's 批复 of the 请示, referencing the group's receipt of it."""
        from dangjian.documents.models import Receipt

        jituan = self.users["jituan"]
        reply = self._issue(
            issuer=self.root,
            doc_type=REPLY[0],
            title=REPLY[1],
            body=REPLY[2],
            addresses=[(self.mine, False, "", "main")],
            issued_at=self.at(day, 15, 0),
            drafted_by=jituan,
            signer_name=self.root_secretary,
            in_reply_to=self.request_receipt,
        )
        Receipt.objects.filter(pk=self.request_receipt.pk).update(
            status=Receipt.Status.ARCHIVED,
            archived_at=reply.issued_at,
            result_note=f"已批复（{reply.number}）。",
        )
        self._mine_receives(reply, "archived")

    def _group_down(self) -> None:
        jituan = self.users["jituan"]
        for days_ago, doc_type, title, reply_days, how in GROUP_DOWN:
            day = self.today - timedelta(days=days_ago)
            if not days_ago:  # arrived yesterday afternoon, not signed yet
                day = self.working_day_before(self.today)
            issued_at = self.at(day, 16 if not days_ago else 8, 40)

            def step(
                doc_type=doc_type,
                title=title,
                issued_at=issued_at,
                how=how,
                deadline=day + timedelta(days=reply_days) if reply_days else None,
            ):
                document = self._issue(
                    issuer=self.root,
                    doc_type=doc_type,
                    title=title,
                    body=GROUP_BODY,
                    addresses=[(self.root, True, "committee", "main")],
                    issued_at=issued_at,
                    deadline=deadline,
                    drafted_by=jituan,
                    signer_name=self.root_secretary,
                )
                self._mine_receives(document, how)

            self._plan(issued_at, step)

    def _mine_receives(self, document, how: str) -> None:
        """The mine's copy of a group document: signed and registered by the office, then
        circulated to the 党委书记, assigned, or archived; or not signed yet."""
        from dangjian.documents.models import Circulation, Handling, Receipt, Reply

        receipt = Receipt.objects.filter(document=document, organization=self.mine).first()
        if receipt is None or how == "unsigned":
            return
        bangongshi = self.users["bangongshi"]
        receipt.signed_at = document.issued_at + timedelta(minutes=35)
        receipt.signed_by = bangongshi
        receipt.read_at = receipt.signed_at + timedelta(minutes=10)
        receipt.proposal = "呈党委书记阅示，由组织部牵头办理。"
        receipt.status = Receipt.Status.REGISTERED
        registered = receipt.read_at + timedelta(minutes=5)
        if how == "circulated":
            receipt.status = Receipt.Status.CIRCULATING
            circulation = Circulation.objects.create(
                receipt=receipt, reader=self.users["lingdao"], sent_by=bangongshi
            )
            Circulation.objects.filter(pk=circulation.pk).update(
                sent_at=registered + timedelta(minutes=10),
                read_at=registered + timedelta(hours=4),
                instruction="请组织部结合本矿实际制定实施方案，下月党委会研究。",
                instructed_at=registered + timedelta(hours=4),
            )
        elif how == "handled":
            receipt.status = Receipt.Status.REPLIED
            receipt.replied_at = registered + timedelta(days=12)
            Handling.objects.create(
                receipt=receipt,
                handler=self.users["zuzhibu"],
                role=Handling.Role.LEAD,
                due_on=document.deadline,
                assigned_by=bangongshi,
                done_at=receipt.replied_at,
                note="述职评议方案已制定，报集团公司党委组织部。",
            )
            Handling.objects.create(
                receipt=receipt,
                handler=bangongshi,
                role=Handling.Role.ASSIST,
                due_on=document.deadline,
                assigned_by=bangongshi,
            )
            reply = Reply.objects.create(
                receipt=receipt,
                text="一矿党委述职评议工作方案已制定，定于12月中旬召开述职评议会。",
                author=bangongshi,
            )
            Reply.objects.filter(pk=reply.pk).update(created_at=receipt.replied_at)
        elif how == "archived":
            receipt.status = Receipt.Status.ARCHIVED
            receipt.archived_at = registered + timedelta(days=2)
            receipt.result_note = "已传达到各党支部。"
        receipt.save()
        self.registrations.append((receipt, registered))

    # --- withdrawn, showcase, drafts, paper -----------------------------------------------

    def _withdrawn(self) -> None:
        day = self.today - timedelta(days=27)
        self._plan(self.at(day, 9, 5), lambda: self._withdrawn_one(day))

    def _withdrawn_one(self, day: date) -> None:
        from dangjian.documents.models import Document, Receipt

        title, reason = WITHDRAWN
        document = self._issue(
            issuer=self.mine,
            doc_type="tongzhi",
            title=title,
            body=_paragraphs(
                "各党支部：", "定于本周四下午召开党支部书记工作例会，请各党支部书记准时参加。"
            ),
            addresses=self._to_branches(),
            issued_at=self.at(day, 9, 5),
            drafted_by=self.users["bangongshi"],
            signer=self.users["lingdao"],
        )
        withdrawn_at = document.issued_at + timedelta(minutes=25)
        Receipt.objects.filter(document=document).update(status=Receipt.Status.CANCELLED)
        Document.objects.filter(pk=document.pk).update(
            status=Document.Status.WITHDRAWN, withdraw_reason=reason, withdrawn_at=withdrawn_at
        )

    def _showcase(self) -> None:
        day = self.working_day_before(self.today)
        self._plan(self.at(day, 9, 12), lambda: self._showcase_one(day))

    def _showcase_one(self, day: date) -> None:
        """The 通知 of the demo: all branches, 加急, 3-day deadline; 10 unsigned (the demo
        secretary's branch among them), two signed late, most read, a few replied."""
        from dangjian.documents.models import DocumentFile, Receipt, Reply

        issued_at = self.at(day, 9, 12)
        bangongshi = self.users["bangongshi"]
        document = self._issue(
            issuer=self.mine,
            doc_type="tongzhi",
            title=SHOWCASE_TITLE,
            urgency="urgent",
            body=_paragraphs(
                "各党支部：",
                "根据矿党委年度工作安排，现就报送{year}年度党支部工作总结有关事项通知如下。",
                "一、总结内容：本支部全年党建工作开展情况，“三会一课”、主题党日落实情况，党员教育管理"
                "和发展党员情况，党建与安全生产融合的做法和成效，存在的问题和下一年度工作打算。",
                "二、报送要求：工作总结经支部委员会讨论通过，字数3000字以内，连同附件回执一并通过平台回复。",
                "三、报送时间：请于3日内回复。逾期未报的，纳入党支部年度考核扣分。",
                "联系人：矿党委办公室，联系电话：8123。",
            ),
            addresses=self._to_branches(),
            issued_at=issued_at,
            deadline=day + timedelta(days=3),
            drafted_by=bangongshi,
            signer=self.users["lingdao"],
            attachment_note="党支部工作总结报送回执",
            remark="（此件发至党支部）",
        )
        self.showcase = document
        receipts = self._receipts(document)
        others = [r for r in receipts if r.organization_id != getattr(self.demo_branch, "pk", None)]
        unsigned_count = min(UNSIGNED_ON_SHOWCASE, len(receipts))
        keep = unsigned_count - (len(others) < len(receipts))
        unsigned = set(self.rng.sample(range(len(others)), keep))
        signed = [r for index, r in enumerate(others) if index not in unsigned]
        signers = self._signers(signed)
        due = receipts[0].sign_due_at
        replies = []
        for index, receipt in enumerate(signed):
            if index < 2:  # signed the next morning, after the same-day limit of 加急
                morning = self.at(day + timedelta(days=1), 8, 10 + 7 * index)
                # …but never in the future when the demo is seeded early that morning.
                earlier = datetime.now(ZONE) - timedelta(minutes=10 - index)
                receipt.signed_at = max(min(morning, earlier), due + timedelta(minutes=1))
            else:
                receipt.signed_at = issued_at + timedelta(minutes=self.rng.randrange(6, 8 * 60))
                if receipt.signed_at > due:
                    receipt.signed_at = due - timedelta(minutes=30)
            receipt.signed_by_id = signers.get(receipt.organization_id)
            receipt.status = Receipt.Status.SIGNED
            if index >= 2 and index % 3 != 2:  # the two late ones have not read it yet
                receipt.read_at = receipt.signed_at + timedelta(minutes=self.rng.randrange(3, 90))
            if index in (4, 9, 13, 19) and receipt.read_at is not None:
                receipt.replied_at = receipt.read_at + timedelta(
                    minutes=self.rng.randrange(30, 240)
                )
                receipt.status = Receipt.Status.REPLIED
                replies.append(
                    Reply(
                        receipt=receipt,
                        author_id=receipt.signed_by_id,
                        text=SHOWCASE_REPLIES[len(replies)],
                    )
                )
        _update_rows(signed, ["signed_at", "signed_by", "read_at", "replied_at", "status"])
        Reply.objects.bulk_create(replies)
        for reply in replies:
            Reply.objects.filter(pk=reply.pk).update(created_at=reply.receipt.replied_at)
        _store(
            DocumentFile(
                document=document,
                purpose=DocumentFile.Purpose.ATTACHMENT,
                title="党支部工作总结报送回执.xlsx",
                uploaded_by=bangongshi,
            ),
            "回执.xlsx",
            _workbook(("党支部", "支部书记", "联系电话", "总结字数", "支委会讨论日期", "备注"), []),
        )

    def _drafts(self) -> None:
        from dangjian.core.richtext import sanitize_html
        from dangjian.documents.models import Document, DocumentAddress

        now = self.at(self.today, 8, 30)
        for status, title, body, drafter, reviewer in DRAFTS:
            document = Document.objects.create(
                issuer=self.mine,
                doc_type="tongzhi",
                prefix=self.prefixes[self.mine.pk],
                title=title,
                body_html=sanitize_html(body),
                signatory=self.mine.name,
                printer=f"{self.mine.short_name}办公室",
                remark="（此件发至党支部）",
                status=status,
                drafted_by=self.users[drafter],
                reviewed_by=self.users[reviewer] if reviewer else None,
                submitted_at=now - timedelta(days=1, hours=2),
                reviewed_at=now - timedelta(hours=20) if reviewer else None,
            )
            DocumentAddress.objects.create(
                document=document, organization=self.mine, include_subtree=True, org_type="branch"
            )
            self.documents.append(document)

    def _paper(self) -> None:
        from dangjian.documents.models import DocumentFile, Receipt

        bangongshi = self.users["bangongshi"]
        for days_ago, source, number, title, classification, copies, files in PAPER:
            day = self.today - timedelta(days=days_ago)
            received = self.at(day, 14, 30)
            receipt = Receipt.objects.create(
                organization=self.mine,
                is_paper=True,
                doc_type="tongzhi",
                title=self._fill(title, day),
                number=self._fill(number, day),
                source_name=source,
                classification=classification,
                copies=copies,
                sent_at=received,
                status=Receipt.Status.ARCHIVED if days_ago > 30 else Receipt.Status.REGISTERED,
                signed_at=received,
                signed_by=bangongshi,
                read_at=received,
                proposal=SECRET_NOTE if not files else "呈党委书记阅示。",
                archived_at=received + timedelta(days=5) if days_ago > 30 else None,
                result_note="已传达落实。" if days_ago > 30 else "",
            )
            self.registrations.append((receipt, received))
            if files:
                _store(
                    DocumentFile(
                        receipt=receipt,
                        purpose=DocumentFile.Purpose.SCAN,
                        title=f"{receipt.title}（扫描件）.png",
                        uploaded_by=bangongshi,
                    ),
                    "scan.png",
                    _scan(source, receipt.number, receipt.title),
                )

    def _register_all(self) -> None:
        """收文编号 in the order the documents were registered, from the real sequences."""
        from dangjian.documents.models import Receipt
        from dangjian.documents.numbering import next_serial, register_number

        for receipt, when in sorted(self.registrations, key=lambda pair: pair[1]):
            year = when.astimezone(ZONE).year
            serial = next_serial(receipt.organization, "收", year)
            Receipt.objects.filter(pk=receipt.pk).update(
                register_no=register_number(year, serial),
                registered_at=when,
                registered_by=receipt.signed_by,
            )

    # --- 工作任务 -----------------------------------------------------------------------------

    def _tasks(self) -> None:
        from dangjian.office.models import TaskAssignment, TaskFile, WorkTask

        bangongshi = self.users["bangongshi"]
        handlers = self._signers_for_tasks()
        for number, (title, text, due_in, form, files, shares) in enumerate(TASKS):
            opened = self.at(self.today - timedelta(days=10 + 6 * number), 10, 0)
            deadline = self.at(self.today + timedelta(days=due_in), 17, 30)
            task = WorkTask.objects.create(
                organization=self.mine,
                title=self._fill(title, self.today),
                description=self._fill(text, self.today),
                deadline=deadline,
                requires_files=files,
                requires_form=form,
                target_note=f"{self.mine.short_name}下属全部党支部",
                status=WorkTask.Status.OPEN,
                created_by=bangongshi,
                opened_at=opened,
            )
            self.tasks.append(task)
            if form:
                _store(
                    TaskFile(
                        task=task,
                        purpose=TaskFile.Purpose.FORM,
                        uploaded_by=bangongshi,
                        title="党员教育培训情况统计表（模板）.xlsx",
                    ),
                    "form.xlsx",
                    _workbook(FORM_HEADER, []),
                )
            rows = []
            count = len(self.branches)
            accepted, submitted, returned = (round(share * count) for share in shares)
            order = list(range(count))
            self.rng.shuffle(order)
            fates = {}
            for position, index in enumerate(order):
                branch = self.branches[index]
                if branch == self.demo_branch:
                    fates[index] = "returned" if number == 1 else "pending"
                    continue
                fates[index] = (
                    "accepted"
                    if position < accepted
                    else "submitted"
                    if position < accepted + submitted
                    else "returned"
                    if position < accepted + submitted + returned
                    else "pending"
                )
            for index, branch in enumerate(self.branches):
                fate = fates[index]
                submitted_at = opened + timedelta(days=self.rng.uniform(1, 8), hours=1)
                if submitted_at > self.at(self.today, 8, 0):
                    submitted_at = self.at(self.today - timedelta(days=1), 16, 0)
                done = fate != "pending"
                rows.append(
                    TaskAssignment(
                        task=task,
                        organization=branch,
                        status=fate,
                        report=self.rng.choice(REPLY_TEXTS) if done else "",
                        submitted_at=submitted_at if done else None,
                        submitted_by_id=handlers.get(branch.pk) if done else None,
                        submit_count=1 if done else 0,
                        review_note=RETURN_REASONS[number]
                        if fate == "returned"
                        else "通过。"
                        if fate == "accepted"
                        else "",
                        reviewed_at=submitted_at + timedelta(days=1)
                        if fate in ("returned", "accepted")
                        else None,
                        reviewed_by=bangongshi if fate in ("returned", "accepted") else None,
                        chase_count=1 if fate == "pending" and due_in < 0 else 0,
                        last_chased_at=deadline + timedelta(days=1, hours=-9)
                        if fate == "pending" and due_in < 0
                        else None,
                    )
                )
            TaskAssignment.objects.bulk_create(rows)
            if form:
                for assignment in rows:
                    if assignment.status in ("accepted", "submitted"):
                        members = assignment.organization.member_count
                        trained = max(0, members - self.rng.randrange(0, 4))
                        filled = [
                            (
                                assignment.organization.short_name,
                                members,
                                trained,
                                self.rng.choice((28, 32, 36, 40)),
                                self.rng.randrange(2, 6),
                                "",
                            )
                        ]
                        _store(
                            TaskFile(
                                task=task,
                                assignment=assignment,
                                purpose=TaskFile.Purpose.REPORT_FORM,
                                uploaded_by_id=assignment.submitted_by_id,
                                title=f"{assignment.organization.short_name}培训情况统计表.xlsx",
                            ),
                            "filled.xlsx",
                            _workbook(FORM_HEADER, filled),
                        )
            if files:
                from dangjian.core.seed.portal import document_bytes

                content, kind = document_bytes(
                    [
                        "党支部“三会一课”问题整改清单",
                        "一、支委会会议记录不完整：由组织委员负责，每次会后当日整理归档。",
                        "二、党课次数不足：第四季度由支部书记补讲党课一次。",
                        "三、主题党日未留存照片：由宣传委员负责，每次活动留存照片。",
                    ]
                )
                for assignment in rows:
                    if assignment.status != "pending":
                        name = assignment.organization.short_name
                        _store(
                            TaskFile(
                                task=task,
                                assignment=assignment,
                                purpose=TaskFile.Purpose.REPORT,
                                uploaded_by_id=assignment.submitted_by_id,
                                title=f"{name}整改清单.{kind}",
                            ),
                            f"report.{kind}",
                            content,
                        )

    def _signers_for_tasks(self) -> dict[int, int]:
        from dangjian.documents.access import signers_of
        from dangjian.office.permissions import HANDLE_TASK

        holders = signers_of(self.branches, HANDLE_TASK)
        preferred = [
            self.users[name].pk for name in ("shuji", "ganshi", "bangongshi") if name in self.users
        ]
        return {org_id: _first(users, preferred) for org_id, users in holders.items()}


def _update_rows(rows, names: list[str]) -> None:
    """UPDATE the named columns of model instances, one statement for all (`bulk_update`
    builds a CASE per column and row, seconds for a few hundred receipts)."""
    from django.db import connection

    if not rows:
        return
    model = type(rows[0])
    fields = [model._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    table = quote(model._meta.db_table)
    sql = f"UPDATE {table} SET {assignments} WHERE id = %s"  # noqa: S608 — names from the model
    params = [
        [field.get_db_prep_save(getattr(row, field.attname), connection) for field in fields]
        + [row.pk]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _first(users, preferred) -> int | None:
    """The first of `preferred` among `users`, else the oldest account; None for nobody."""
    return next((pk for pk in preferred if pk in users), min(users, default=None))


# --------------------------------------------------------------------------------- files


def _store(stored, name: str, content: bytes):
    from dangjian.core.uploads import sniff

    stored.file.save(name, ContentFile(content), save=False)
    stored.size = len(content)
    stored.file_kind = sniff(io.BytesIO(content))
    stored.save()
    return stored


def _workbook(header, rows) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "填报表"
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    for column in "ABCDEF":
        sheet.column_dimensions[column].width = 18
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


FONT_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)


def _font(size: int):
    from PIL import ImageFont

    for path in FONT_PATHS:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default()


def _scan(source: str, number: str, title: str) -> bytes:
    """A scanned first page: red header, number, red line, title and grey text lines."""
    from PIL import Image, ImageDraw

    width, height = 827, 1169  # A4 at 100 dpi
    page = Image.new("RGB", (width, height), (250, 249, 245))
    draw = ImageDraw.Draw(page)
    red = (200, 20, 20)
    header = _font(54)
    text = f"{source}文件"
    box = draw.textbbox((0, 0), text, font=header)
    draw.text(((width - (box[2] - box[0])) / 2, 150), text, fill=red, font=header)
    small = _font(22)
    box = draw.textbbox((0, 0), number, font=small)
    draw.text(((width - (box[2] - box[0])) / 2, 262), number, fill=(30, 30, 30), font=small)
    draw.line((90, 300, width - 90, 300), fill=red, width=3)
    heading = _font(28)
    lines = [title[i : i + 22] for i in range(0, len(title), 22)]
    for row, line in enumerate(lines):
        box = draw.textbbox((0, 0), line, font=heading)
        draw.text(
            ((width - (box[2] - box[0])) / 2, 340 + 44 * row), line, fill=(20, 20, 20), font=heading
        )
    top = 360 + 44 * len(lines)
    for row in range(18):
        right = width - 100 - (180 if row % 6 == 5 else 0)
        draw.line(
            (100 + (40 if row % 6 == 0 else 0), top + 34 * row, right, top + 34 * row),
            fill=(150, 150, 150),
            width=6,
        )
    out = io.BytesIO()
    page.save(out, format="PNG", optimize=True)
    return out.getvalue()

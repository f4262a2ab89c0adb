"""Permissions of the assessment system, each held over an organisation subtree.

Who scores a leaf is not a permission of its own kind: a leaf names the role (组织部, 宣传部,
党委办公室 …) whose holders score it, and such a holder also needs SCORE over the target
(`assessment.access.can_score`). A leaf without a role is scored by MANAGE_PERIOD holders.
"""

from dangjian.core.permissions import register

MANAGE_TEMPLATE = register("assessment.manage_template", "管理考核指标体系（模板、导入导出）")
MANAGE_PERIOD = register(
    "assessment.manage_period", "组织考核：开启考核周期、审核锁定、公示、裁定申诉"
)
SCORE = register("assessment.score", "按分工评分（远程考核），退回补充佐证材料")
SELF_CHECK = register("assessment.self_check", "本组织考核自查、上传佐证材料、提出申诉")
VIEW_RESULT = register("assessment.view_result", "查询所辖组织的考核结果")

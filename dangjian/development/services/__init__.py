"""Writes of the development workflow. By sub-domain: `cases` (opening a case), `steps` (the one
way a case moves), `records` (sponsors, 公示, votes, training, 政审, materials, quota),
`evaluation` (gathering a case's facts for the rule checks), `common`."""

from dangjian.development.checks import Blocked, StepBlocked
from dangjian.development.services.cases import birth_date_of, case_open, case_set_planned_leave
from dangjian.development.services.common import StepRefused, committee_of
from dangjian.development.services.deadlines import case_deadlines_refresh, deadlines_rebuild
from dangjian.development.services.records import (
    material_delete,
    material_download,
    material_upload,
    political_review_record,
    publicity_conclude,
    publicity_record,
    quota_set,
    sponsor_add,
    sponsor_remove,
    training_record,
    vote_record,
)
from dangjian.development.services.steps import (
    OVERRIDE_REASON_MIN,
    available_steps,
    step_preview,
    step_record,
)

__all__ = [
    "OVERRIDE_REASON_MIN",
    "Blocked",
    "StepBlocked",
    "StepRefused",
    "available_steps",
    "birth_date_of",
    "case_deadlines_refresh",
    "case_open",
    "case_set_planned_leave",
    "committee_of",
    "deadlines_rebuild",
    "material_delete",
    "material_download",
    "material_upload",
    "political_review_record",
    "publicity_conclude",
    "publicity_record",
    "quota_set",
    "sponsor_add",
    "sponsor_remove",
    "step_preview",
    "step_record",
    "training_record",
    "vote_record",
]

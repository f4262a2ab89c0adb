"""People, party members and their records (the book's 党员基本信息管理).

One module per sub-domain: `people` (Person, Member), `records` (history, status changes,
rewards and punishments, documents), `imports` (Excel import batches), `quality` (data-quality
findings), `settings` (per-user list columns, retirees' branches).
"""

from dangjian.members.models.choices import (  # noqa: F401
    ETHNICITY_CHOICES,
    IN_GOOD_STANDING,
    Category,
    Degree,
    Discipline,
    Education,
    EducationMode,
    Employment,
    Gender,
    LeaveType,
    Occupation,
    SkillLevel,
    Status,
    TitleLevel,
)
from dangjian.members.models.imports import ImportBatch, ImportRecord  # noqa: F401
from dangjian.members.models.people import Member, Person  # noqa: F401
from dangjian.members.models.quality import QualityIssue  # noqa: F401
from dangjian.members.models.records import (  # noqa: F401
    MemberDocument,
    RecordChange,
    RewardPunishment,
    StatusChange,
)
from dangjian.members.models.settings import ListColumns, RetireeBranch  # noqa: F401

"""Models of the development workflow (发展党员, domain §1)."""

from dangjian.development.models.case import CaseStep, DevelopmentCase
from dangjian.development.models.choices import (
    FINAL_STATES,
    OPEN_STATES,
    PRE_MEMBER_STATES,
    PROBATION_STATES,
    MaterialKind,
    PublicityPurpose,
    PublicityResult,
    SponsorKind,
    Stage,
    State,
    StepCode,
    VoteMethod,
    VotePurpose,
)
from dangjian.development.models.deadline import CaseDeadline
from dangjian.development.models.records import (
    Material,
    PoliticalReview,
    Publicity,
    Quota,
    Sponsor,
    Training,
    Vote,
)

__all__ = [
    "FINAL_STATES",
    "OPEN_STATES",
    "PRE_MEMBER_STATES",
    "PROBATION_STATES",
    "CaseDeadline",
    "CaseStep",
    "DevelopmentCase",
    "Material",
    "MaterialKind",
    "PoliticalReview",
    "Publicity",
    "PublicityPurpose",
    "PublicityResult",
    "Quota",
    "Sponsor",
    "SponsorKind",
    "Stage",
    "State",
    "StepCode",
    "Training",
    "Vote",
    "VoteMethod",
    "VotePurpose",
]

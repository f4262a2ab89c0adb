"""Serializers of the development API: what a case, its steps and its records look like, and
the input of each write (validated here for shape, by the services for the rules)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from dangjian.core.api import ScopedPrimaryKeyRelatedField
from dangjian.development.models import (
    CaseStep,
    DevelopmentCase,
    MaterialKind,
    PoliticalReview,
    Publicity,
    PublicityPurpose,
    PublicityResult,
    Quota,
    Sponsor,
    SponsorKind,
    State,
    StepCode,
    Training,
    Vote,
    VoteMethod,
    VotePurpose,
)
from dangjian.development.permissions import MANAGE_DEVELOPMENT, MANAGE_QUOTA
from dangjian.members.models import Member, Person
from dangjian.members.permissions import VIEW_MEMBER
from dangjian.orgs.models import Organization

_ENUM_CLASSES: dict[str, type] = {}


def choice(choices, name: str, **kwargs) -> serializers.ChoiceField:
    """A choice field whose enum is its own named schema component (`Development…Enum`), so
    fields of the same name in other apps (state, kind, purpose …) never collide."""
    if name not in _ENUM_CLASSES:
        schema = {"type": "string", "enum": [value for value, _ in choices]}
        field_class = type(name, (serializers.ChoiceField,), {})
        _ENUM_CLASSES[name] = extend_schema_field(schema, component_name=name)(field_class)
    return _ENUM_CLASSES[name](choices=choices, **kwargs)


STEP_CHOICES = [c for c in StepCode.choices if c[0] != "application"]


def _label(field: str) -> serializers.CharField:
    return serializers.CharField(source=f"get_{field}_display", read_only=True)


class CaseSerializer(serializers.ModelSerializer):
    state = choice(State.choices, "DevelopmentStateEnum", read_only=True)
    person_name = serializers.CharField(source="person.name", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    state_display = _label("state")
    probation_end = serializers.DateField(read_only=True, allow_null=True)

    class Meta:
        model = DevelopmentCase
        fields = [
            "id", "person", "person_name", "organization", "organization_name", "state",
            "state_display", "applied_on", "received_on", "talked_on", "activist_on",
            "candidate_on", "pre_reviewed_on", "accepted_on", "approved_on", "probation_ends_on",
            "extension_months", "extended_until", "probation_end", "conversion_meeting_on",
            "converted_on", "full_member_on", "planned_leave_on", "closed_on", "close_reason",
            "member", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class StepSerializer(serializers.ModelSerializer):
    code = choice(StepCode.choices, "DevelopmentStepCodeEnum", read_only=True)
    from_state = choice(State.choices, "DevelopmentStateEnum", read_only=True)
    to_state = choice(State.choices, "DevelopmentStateEnum", read_only=True)
    code_display = _label("code")
    approving_organization_name = serializers.CharField(
        source="approving_organization.name", read_only=True, default=""
    )

    class Meta:
        model = CaseStep
        fields = [
            "id", "code", "code_display", "number", "done_on", "from_state", "to_state",
            "approving_organization", "approving_organization_name", "note", "document_number",
            "overridden_rules", "override_reason", "actor_name", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class DeadlineSerializer(serializers.Serializer):
    case = serializers.IntegerField(source="case.pk", read_only=True)
    person_name = serializers.CharField(source="case.person.name", read_only=True)
    organization_name = serializers.CharField(source="case.organization.name", read_only=True)
    key = serializers.CharField()
    label = serializers.CharField()
    due_on = serializers.DateField()
    kind = choice([("due", "期限"), ("earliest", "最早日期")], "DevelopmentDeadlineKindEnum")
    responsible = choice(
        [("branch", "党支部"), ("committee", "上级党委")], "DevelopmentResponsibleEnum"
    )
    done_on = serializers.DateField(allow_null=True)
    rule_key = serializers.CharField()
    source = serializers.CharField()


class BlockSerializer(serializers.Serializer):
    rule_key = serializers.CharField()
    label = serializers.CharField()
    source = serializers.CharField()
    message = serializers.CharField()
    dates = serializers.DictField(child=serializers.DateField())
    earliest = serializers.DateField(allow_null=True)
    overridable = serializers.BooleanField()


class StepSpecSerializer(serializers.Serializer):
    code = serializers.CharField()
    number = serializers.IntegerField(allow_null=True)
    label = serializers.CharField()
    to_state = serializers.CharField(allow_null=True)
    authority = choice([("manage", "党支部"), ("approve", "上级党委")], "DevelopmentAuthorityEnum")
    repeatable = serializers.BooleanField()
    needs_reason = serializers.BooleanField()


class CaseOpenSerializer(serializers.Serializer):
    person = ScopedPrimaryKeyRelatedField(model=Person, permission=VIEW_MEMBER)
    organization = ScopedPrimaryKeyRelatedField(model=Organization, permission=MANAGE_DEVELOPMENT)
    applied_on = serializers.DateField()
    received_on = serializers.DateField()
    planned_leave_on = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class StepInputSerializer(serializers.Serializer):
    code = choice(STEP_CHOICES, "DevelopmentStepInputEnum")
    done_on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    document_number = serializers.CharField(required=False, allow_blank=True, max_length=100)
    override_rules = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, max_length=20
    )
    override_reason = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    months = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=24)
    party_group = ScopedPrimaryKeyRelatedField(
        model=Organization, permission=MANAGE_DEVELOPMENT, required=False, allow_null=True
    )


class StepCheckSerializer(serializers.Serializer):
    code = choice(STEP_CHOICES, "DevelopmentStepInputEnum")
    done_on = serializers.DateField()
    months = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=24)


class SponsorSerializer(serializers.ModelSerializer):
    kind = choice(SponsorKind.choices, "DevelopmentSponsorKindEnum", read_only=True)
    kind_display = _label("kind")
    member_name = serializers.CharField(source="member.person.name", read_only=True)

    class Meta:
        model = Sponsor
        fields = ["id", "kind", "kind_display", "member", "member_name", "assigned_on"]
        read_only_fields = fields


class SponsorInputSerializer(serializers.Serializer):
    kind = choice(SponsorKind.choices, "DevelopmentSponsorKindEnum")
    member = ScopedPrimaryKeyRelatedField(model=Member, permission=VIEW_MEMBER)
    assigned_on = serializers.DateField()


class PublicitySerializer(serializers.ModelSerializer):
    purpose = choice(PublicityPurpose.choices, "DevelopmentPublicityPurposeEnum", read_only=True)
    result = choice(PublicityResult.choices, "DevelopmentPublicityResultEnum", read_only=True)
    purpose_display = _label("purpose")
    result_display = _label("result")

    class Meta:
        model = Publicity
        fields = [
            "id", "purpose", "purpose_display", "starts_on", "ends_on", "working_days", "result",
            "result_display", "objections", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class PublicityInputSerializer(serializers.Serializer):
    purpose = choice(PublicityPurpose.choices, "DevelopmentPublicityPurposeEnum")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    result = choice(PublicityResult.choices, "DevelopmentPublicityResultEnum", required=False)
    objections = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class VoteSerializer(serializers.ModelSerializer):
    purpose = choice(VotePurpose.choices, "DevelopmentVotePurposeEnum", read_only=True)
    method = choice(VoteMethod.choices, "DevelopmentVoteMethodEnum", read_only=True)
    purpose_display = _label("purpose")
    method_display = _label("method")

    class Meta:
        model = Vote
        fields = [
            "id", "purpose", "purpose_display", "meeting_on", "entitled", "present", "yes", "no",
            "abstain", "written_yes", "method", "method_display", "has_quorum", "passed", "note",
            "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class VoteInputSerializer(serializers.Serializer):
    purpose = choice(VotePurpose.choices, "DevelopmentVotePurposeEnum")
    meeting_on = serializers.DateField()
    entitled = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=100000,
        help_text="应到会有表决权的正式党员；不填按该支部当日党籍正常的正式党员人数。",
    )  # fmt: skip
    present = serializers.IntegerField(min_value=0, max_value=100000)
    yes = serializers.IntegerField(min_value=0, max_value=100000)
    no = serializers.IntegerField(required=False, min_value=0, max_value=100000)
    abstain = serializers.IntegerField(required=False, min_value=0, max_value=100000)
    written_yes = serializers.IntegerField(required=False, min_value=0, max_value=100000)
    method = choice(VoteMethod.choices, "DevelopmentVoteMethodEnum", required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class TrainingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Training
        fields = [
            "id", "title", "organizer", "starts_on", "ends_on", "days", "hours",
            "certificate_number",
        ]  # fmt: skip
        read_only_fields = fields


class TrainingInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=100)
    organizer = serializers.CharField(required=False, allow_blank=True, max_length=100)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    days = serializers.IntegerField(min_value=0, max_value=1000)
    hours = serializers.DecimalField(max_digits=5, decimal_places=1, min_value=0)
    certificate_number = serializers.CharField(required=False, allow_blank=True, max_length=50)


class PoliticalReviewSerializer(serializers.ModelSerializer):
    class Meta:
        model = PoliticalReview
        fields = ["id", "concluded_on", "passed", "conclusion"]
        read_only_fields = fields


class PoliticalReviewInputSerializer(serializers.Serializer):
    concluded_on = serializers.DateField()
    passed = serializers.BooleanField()
    conclusion = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class CaseDetailSerializer(CaseSerializer):
    """A case with everything recorded on it."""

    steps = StepSerializer(many=True, read_only=True)
    sponsors = SponsorSerializer(many=True, read_only=True)
    publicities = PublicitySerializer(many=True, read_only=True)
    votes = VoteSerializer(many=True, read_only=True)
    trainings = TrainingSerializer(many=True, read_only=True)
    political_reviews = PoliticalReviewSerializer(many=True, read_only=True)

    class Meta(CaseSerializer.Meta):
        fields = [
            *CaseSerializer.Meta.fields, "steps", "sponsors", "publicities", "votes", "trainings",
            "political_reviews",
        ]  # fmt: skip
        read_only_fields = fields


class QuotaSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    accepted = serializers.IntegerField(read_only=True, default=0)
    remaining = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Quota
        fields = [
            "id", "organization", "organization_name", "year", "planned", "accepted",
            "remaining", "note", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class QuotaInputSerializer(serializers.Serializer):
    organization = ScopedPrimaryKeyRelatedField(model=Organization, permission=MANAGE_QUOTA)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    planned = serializers.IntegerField(min_value=0, max_value=1000)
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


class PipelineBranchSerializer(serializers.Serializer):
    organization_id = serializers.IntegerField()
    name = serializers.CharField()
    counts = serializers.DictField(child=serializers.IntegerField())
    total = serializers.IntegerField()


@extend_schema_serializer(many=False)  # one summary object, though served by `list`
class PipelineSerializer(serializers.Serializer):
    organization = serializers.IntegerField(allow_null=True)
    counts = serializers.DictField(child=serializers.IntegerField())
    total = serializers.IntegerField()
    branches = PipelineBranchSerializer(many=True)


STATE_CHOICES = State.choices
MATERIAL_CHOICES = MaterialKind.choices

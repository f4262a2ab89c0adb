"""The built-in meeting types and the default compliance rule table (domain §3.2).

Created by a data migration and re-applied by `ensure_defaults()` (idempotent: existing rows
keep an administrator's changes to hours, names and counts).
"""

_BRANCH_REGULATION = "《中国共产党支部工作条例（试行）》（2018）"
BRANCHES = ["branch", "joint_branch", "temporary_branch"]

# code, name, category, quorum, default attendees, class hours, has lecturer
TYPES = [
    ("congress", "支部党员大会", "congress", "voting_members", "all_members", "2", False),
    ("committee", "支部委员会", "committee", "committee", "committee", "1", False),
    ("group", "党小组会", "group", "none", "group_members", "1", False),
    ("lecture", "党课", "lecture", "none", "all_members", "2", True),
    ("theme_day", "主题党日", "theme_day", "none", "all_members", "2", False),
    ("org_life", "组织生活会", "org_life", "none", "all_members", "2", False),
    ("democratic_life", "民主生活会", "democratic_life", "none", "committee", "2", False),
    ("talk", "谈心谈话", "talk", "none", "chosen", "0", False),
]

# category, counts appraisal, period, min count, org types, requires committee, due month,
# label, source
DEFAULT_RULES = [
    (
        "congress",
        False,
        "quarter",
        1,
        BRANCHES,
        False,
        None,
        "支部党员大会每季度至少召开1次",
        f"{_BRANCH_REGULATION}：党员大会一般每季度召开1次",
    ),
    (
        "committee",
        False,
        "month",
        1,
        BRANCHES,
        True,
        None,
        "支部委员会会议每月召开1次",
        f"{_BRANCH_REGULATION}：党支部委员会会议一般每月召开1次；未设支委会的支部不要求",
    ),
    (
        "group",
        False,
        "month",
        1,
        ["group"],
        False,
        None,
        "党小组会每月召开1次",
        f"{_BRANCH_REGULATION}：党小组会一般每月召开1次",
    ),
    (
        "lecture",
        False,
        "quarter",
        1,
        BRANCHES,
        False,
        None,
        "党课每季度至少1次",
        f"{_BRANCH_REGULATION}：党支部应当组织党员按期上党课；"
        "平台默认每季度1次（domain.md §3.2 ⚙️）",
    ),
    (
        "theme_day",
        False,
        "month",
        1,
        BRANCHES,
        False,
        None,
        "每月开展1次主题党日",
        f"{_BRANCH_REGULATION}：党支部每月相对固定1天开展主题党日",
    ),
    (
        "org_life",
        False,
        "year",
        1,
        BRANCHES,
        False,
        12,
        "每年至少召开1次组织生活会（一般在第四季度）",
        f"{_BRANCH_REGULATION}：党支部每年至少召开1次组织生活会，一般安排在第四季度",
    ),
    (
        "other",
        True,
        "year",
        1,
        BRANCHES,
        False,
        None,
        "每年开展1次民主评议党员",
        f"{_BRANCH_REGULATION}：党支部一般每年开展1次民主评议党员",
    ),
    (
        "talk",
        False,
        "year",
        1,
        BRANCHES,
        False,
        None,
        "每年至少开展1次谈心谈话",
        f"{_BRANCH_REGULATION}：党支部委员之间、党支部委员和党员之间、党员和党员之间，每年谈心谈话一般不少于1次",
    ),
    (
        "democratic_life",
        False,
        "year",
        1,
        ["committee"],
        False,
        None,
        "党委领导班子每年召开1次民主生活会",
        "《县以上党和国家机关党员领导干部民主生活会若干规定》；国有企业党委领导班子参照执行",
    ),
]

RETIREES_PROFILE = (
    "离退休党支部",
    "离退休党员党支部：按季度集中组织生活，不要求每月主题党日和支委会",
)
_RETIREES_SOURCE = "离退休党员党支部可结合实际调整组织生活频次（上级党委批准的方案）"
RETIREES_RULES = [
    DEFAULT_RULES[0],  # 党员大会 as for every branch
    (
        "committee",
        False,
        "quarter",
        1,
        BRANCHES,
        True,
        None,
        "支部委员会会议每季度至少1次",
        _RETIREES_SOURCE,
    ),
    (
        "theme_day",
        False,
        "quarter",
        1,
        BRANCHES,
        False,
        None,
        "每季度开展1次主题党日",
        _RETIREES_SOURCE,
    ),
    (
        "lecture",
        False,
        "half_year",
        1,
        BRANCHES,
        False,
        None,
        "党课每半年至少1次",
        _RETIREES_SOURCE,
    ),
    DEFAULT_RULES[5],  # 组织生活会
    DEFAULT_RULES[6],  # 民主评议党员
]


def _rule_fields(row, order):
    category, appraisal, period, count, types, committee, due, label, source = row
    return {
        "category": category,
        "counts_appraisal": appraisal,
        "period": period,
        "min_count": count,
        "org_types": types,
        "requires_committee": committee,
        "due_month": due,
        "label": label,
        "source": source,
        "sort_order": order,
    }


def ensure_defaults(apps=None) -> None:
    """Create the built-in types, the default rules and the retirees' profile when missing."""
    if apps is None:
        from django.apps import apps as registry

        apps = registry
    MeetingType = apps.get_model("meetings", "MeetingType")
    ComplianceRule = apps.get_model("meetings", "ComplianceRule")
    ComplianceProfile = apps.get_model("meetings", "ComplianceProfile")
    for order, (code, name, category, quorum, attendees, hours, lecturer) in enumerate(TYPES):
        MeetingType.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "category": category,
                "quorum": quorum,
                "default_attendees": attendees,
                "class_hours": hours,
                "has_lecturer": lecturer,
                "is_builtin": True,
                "sort_order": order * 10,
            },
        )
    if not ComplianceRule.objects.filter(profile__isnull=True).exists():
        ComplianceRule.objects.bulk_create(
            ComplianceRule(**_rule_fields(row, i * 10)) for i, row in enumerate(DEFAULT_RULES)
        )
    profile, created = ComplianceProfile.objects.get_or_create(
        name=RETIREES_PROFILE[0], defaults={"description": RETIREES_PROFILE[1]}
    )
    if created:
        ComplianceRule.objects.bulk_create(
            ComplianceRule(profile=profile, **_rule_fields(row, i * 10))
            for i, row in enumerate(RETIREES_RULES)
        )

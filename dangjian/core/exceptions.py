"""Errors that services raise and views turn into Chinese messages."""

from django.core.exceptions import ValidationError


class ServiceError(ValidationError):
    """A service refused a write; `message` is the Chinese text shown to the user."""


class RuleViolation(ServiceError):
    """A regulation rule blocks the action: which rule, its source and what would satisfy it."""

    def __init__(self, message: str, *, rule_key: str = "", source: str = "", remedy: str = ""):
        self.rule_key = rule_key
        self.source = source
        self.remedy = remedy
        text = message
        if source:
            text += f"（依据：{source}）"
        if remedy:
            text += f" {remedy}"
        super().__init__(text, code="rule_violation")

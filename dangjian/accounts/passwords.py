"""Password policy (等保 8.1.4.1 a): length, character classes, no login name, no reuse.

The numbers come from the security rules (accounts/rules.py) so the security administrator can
change them without a deployment.
"""

import string

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError

from dangjian.core.rules import rule_value


class MinimumLengthValidator:
    def validate(self, password, user=None):
        minimum = rule_value("accounts.password_min_length")
        if len(password) < minimum:
            raise ValidationError(f"密码至少需要 {minimum} 个字符。", code="password_too_short")

    def get_help_text(self):
        return f"密码至少 {rule_value('accounts.password_min_length')} 个字符。"


def character_classes(password: str) -> int:
    classes = (
        any(c in string.ascii_uppercase for c in password),
        any(c in string.ascii_lowercase for c in password),
        any(c in string.digits for c in password),
        any(not c.isalnum() for c in password),
    )
    return sum(classes)


class CharacterClassValidator:
    def validate(self, password, user=None):
        needed = rule_value("accounts.password_min_classes")
        if character_classes(password) < needed:
            raise ValidationError(
                f"密码须包含大写字母、小写字母、数字、符号中的至少 {needed} 类。",
                code="password_too_simple",
            )

    def get_help_text(self):
        needed = rule_value("accounts.password_min_classes")
        return f"须包含大写字母、小写字母、数字、符号中的至少 {needed} 类。"


class NotContainingLoginNameValidator:
    def validate(self, password, user=None):
        username = getattr(user, "username", "") if user is not None else ""
        if username and username.lower() in password.lower():
            raise ValidationError("密码不能包含登录名。", code="password_contains_username")

    def get_help_text(self):
        return "不能包含登录名。"


class PasswordHistoryValidator:
    def validate(self, password, user=None):
        if user is None or user.pk is None:
            return
        depth = rule_value("accounts.password_history")
        if depth <= 0:
            return
        recent = user.password_history.values_list("password", flat=True)[:depth]
        if any(check_password(password, encoded) for encoded in recent):
            raise ValidationError(
                f"新密码不能与最近 {depth} 次使用过的密码相同。", code="password_reused"
            )

    def get_help_text(self):
        return f"不能与最近 {rule_value('accounts.password_history')} 次的密码相同。"

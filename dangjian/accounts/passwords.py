"""Password policy (等保 8.1.4.1 a): length, character classes, no login name, no reuse.

The numbers come from the security rules (accounts/rules.py) so the security administrator can
change them without a deployment. The validators are listed in `AUTH_PASSWORD_VALIDATORS`, so
`django.contrib.auth.password_validation.validate_password(password, user)` applies all of them.
"""

import string

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError

from dangjian.accounts.rules import (
    PASSWORD_HISTORY,
    PASSWORD_MIN_CLASSES,
    PASSWORD_MIN_LENGTH,
)
from dangjian.core.rules import rule_value

CLASS_NAMES = "大写字母、小写字母、数字、符号"


class MinimumLengthValidator:
    def validate(self, password, user=None):
        minimum = rule_value(PASSWORD_MIN_LENGTH)
        if len(password) < minimum:
            raise ValidationError(
                f"密码太短：至少需要 {minimum} 个字符，当前只有 {len(password)} 个。",
                code="password_too_short",
            )

    def get_help_text(self):
        return f"至少 {rule_value(PASSWORD_MIN_LENGTH)} 个字符。"


def character_classes(password: str) -> int:
    """How many of the four classes (upper, lower, digit, symbol) the password uses.

    Only ASCII letters count as letters; anything that is neither a letter nor a digit
    (punctuation, spaces, other scripts) counts as a symbol.
    """
    classes = (
        any(c in string.ascii_uppercase for c in password),
        any(c in string.ascii_lowercase for c in password),
        any(c in string.digits for c in password),
        any(c not in string.ascii_letters + string.digits for c in password),
    )
    return sum(classes)


class CharacterClassValidator:
    def validate(self, password, user=None):
        needed = rule_value(PASSWORD_MIN_CLASSES)
        if character_classes(password) < needed:
            raise ValidationError(
                f"密码太简单：须包含{CLASS_NAMES}中的至少 {needed} 类"
                f"（当前只有 {character_classes(password)} 类）。",
                code="password_too_simple",
            )

    def get_help_text(self):
        return f"包含{CLASS_NAMES}中的至少 {rule_value(PASSWORD_MIN_CLASSES)} 类。"


class NotContainingLoginNameValidator:
    def validate(self, password, user=None):
        username = getattr(user, "username", "") if user is not None else ""
        if username and username.lower() in password.lower():
            raise ValidationError(
                "密码不能包含登录名（工号或手机号）。", code="password_contains_username"
            )

    def get_help_text(self):
        return "不能包含登录名（工号或手机号）。"


def recent_password_hashes(user, depth: int) -> list[str]:
    """The encoded current password followed by the history, newest first, at most `depth`."""
    hashes = [user.password] if user.password and user.has_usable_password() else []
    hashes += list(user.password_history.values_list("password", flat=True)[:depth])
    unique = list(dict.fromkeys(hashes))
    return unique[:depth]


class PasswordHistoryValidator:
    def validate(self, password, user=None):
        if user is None or user.pk is None:
            return
        depth = rule_value(PASSWORD_HISTORY)
        if depth <= 0:
            return
        if any(
            check_password(password, encoded) for encoded in recent_password_hashes(user, depth)
        ):
            raise ValidationError(
                f"新密码不能与最近 {depth} 次使用过的密码相同，请换一个。", code="password_reused"
            )

    def get_help_text(self):
        return f"不能与最近 {rule_value(PASSWORD_HISTORY)} 次使用过的密码相同。"

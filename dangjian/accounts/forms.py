"""Forms of the login flow and the personal settings pages (input parsing only; the rules live
in services/authentication.py and passwords.py)."""

from django import forms


def _input(autocomplete: str, **extra) -> dict:
    return {"class": "form-control", "autocomplete": autocomplete, **extra}


class LoginForm(forms.Form):
    username = forms.CharField(
        label="登录名",
        max_length=150,
        widget=forms.TextInput(
            _input("username", placeholder="工号或手机号", autofocus=True, autocapitalize="none")
        ),
        error_messages={"required": "请输入工号或手机号。"},
    )
    password = forms.CharField(
        label="密码",
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(_input("current-password", placeholder="密码")),
        error_messages={"required": "请输入密码。"},
    )


class OTPForm(forms.Form):
    code = forms.CharField(
        label="动态口令或恢复码",
        max_length=20,
        widget=forms.TextInput(
            _input(
                "one-time-code",
                placeholder="6 位动态口令",
                **{"class": "form-control form-control-lg dj-otp-input"},
                autofocus=True,
                inputmode="text",
                autocapitalize="none",
            )
        ),
        error_messages={"required": "请输入验证器上的 6 位动态口令，或一个恢复码。"},
    )


class EnrollForm(forms.Form):
    code = forms.RegexField(
        label="验证器显示的 6 位数字",
        regex=r"^\s*\d{6}\s*$",
        widget=forms.TextInput(
            _input(
                "one-time-code",
                placeholder="6 位数字",
                inputmode="numeric",
                maxlength=6,
                **{"class": "form-control form-control-lg dj-otp-input"},
            )
        ),
        error_messages={
            "required": "请输入验证器上显示的 6 位数字。",
            "invalid": "动态口令是 6 位数字，请核对后重新输入。",
        },
    )


class PasswordConfirmForm(forms.Form):
    password = forms.CharField(
        label="当前密码",
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(_input("current-password")),
        error_messages={"required": "请输入当前密码以确认身份。"},
    )


class ReplaceAuthenticatorForm(EnrollForm):
    """Binding a new authenticator over a confirmed one: the code plus the current password."""

    password = PasswordConfirmForm.base_fields["password"]


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label="当前密码",
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(_input("current-password", autofocus=True)),
        error_messages={"required": "请输入当前密码。"},
    )
    new_password1 = forms.CharField(
        label="新密码",
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(_input("new-password")),
        error_messages={"required": "请输入新密码。"},
    )
    new_password2 = forms.CharField(
        label="再次输入新密码",
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(_input("new-password")),
        error_messages={"required": "请再次输入新密码。"},
    )

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("new_password1"), cleaned.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", "两次输入的新密码不一致。")
        return cleaned

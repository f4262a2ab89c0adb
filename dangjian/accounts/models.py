from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.core.crypto import EncryptedTextField, mask_phone
from dangjian.core.scope import ScopedQuerySet


class AdminKind(models.TextChoices):
    """The three separated administrators of 等保 (三员分立)."""

    SYSTEM = "system", _("系统管理员")
    SECURITY = "security", _("安全管理员")
    AUDIT = "audit", _("审计管理员")


def mask_login_name(username: str) -> str:
    """A login name that is an 11-digit mobile number is masked like any mobile number
    (`138****5678`); a 工号 is shown as it is."""
    if len(username) == 11 and username.isascii() and username.isdigit():
        return mask_phone(username)
    return username


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, username, password=None, **extra):
        if not username:
            raise ValueError("登录名不能为空")
        user = self.model(username=username.strip(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, username, password=None, **extra):
        """Development only (`createsuperuser`); the platform never relies on is_superuser."""
        extra.setdefault("is_superuser", True)
        extra.setdefault("must_change_password", False)
        return self.create_user(username, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """An account. The login name is a 工号 (work number) or a mobile number."""

    username = models.CharField(
        _("登录名"),
        max_length=32,
        unique=True,
        help_text=_("工号或手机号"),
        error_messages={"unique": _("该登录名已被使用")},
    )
    display_name = models.CharField(_("姓名"), max_length=50)
    mobile = EncryptedTextField(_("手机号"), blank=True, default="")
    email = models.EmailField(_("电子邮箱"), blank=True)
    person = models.OneToOneField(
        "members.Person",
        verbose_name=_("人员档案"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="user",
    )
    is_active = models.BooleanField(_("启用"), default=True)
    date_joined = models.DateTimeField(_("创建时间"), default=timezone.now)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)
    must_change_password = models.BooleanField(_("下次登录须修改密码"), default=True)
    otp_opt_in = models.BooleanField(_("自愿启用双因素认证"), default=False)
    large_font = models.BooleanField(_("大字模式"), default=False)
    last_activity_at = models.DateTimeField(_("最近活动"), null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ["username"]

    def __str__(self):
        # Flows into audit entries, flash messages and choice labels: never a full mobile number.
        login = self.masked_login_name
        return f"{self.display_name}（{login}）" if self.display_name else login

    def get_full_name(self):
        return self.display_name or self.username

    def get_short_name(self):
        return self.display_name or self.username

    @property
    def masked_mobile(self) -> str:
        return mask_phone(self.mobile)

    @property
    def masked_login_name(self) -> str:
        """The login name as shown to others (the user sees their own in full)."""
        return mask_login_name(self.username)


class PasswordHistory(models.Model):
    """Hashes of a user's recent passwords, so a new one cannot repeat the last N."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.user_id} @ {self.created_at:%Y-%m-%d}"


class LoginEvent(models.Model):
    """One login attempt, successful or not (the user's login history page)."""

    class Result(models.TextChoices):
        SUCCESS = "success", _("成功")
        BAD_PASSWORD = "bad_password", _("密码错误")
        LOCKED = "locked", _("账号已锁定")
        BAD_OTP = "bad_otp", _("动态口令错误")
        INACTIVE = "inactive", _("账号已停用")
        LOGOUT = "logout", _("退出")
        TIMEOUT = "timeout", _("超时退出")

    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="login_events"
    )
    username = models.CharField(_("登录名"), max_length=150)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    user_agent = models.CharField(_("浏览器"), max_length=300, blank=True)
    result = models.CharField(_("结果"), max_length=20, choices=Result.choices)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self):
        return f"{self.username} {self.get_result_display()} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def success(self) -> bool:
        return self.result == self.Result.SUCCESS


class Role(models.Model):
    """A named set of permission codes. Built-in roles cannot be deleted."""

    name = models.CharField(_("角色名称"), max_length=50, unique=True)
    code = models.SlugField(_("代码"), max_length=50, unique=True)
    description = models.CharField(_("说明"), max_length=300, blank=True)
    permissions = models.JSONField(_("权限"), default=list, blank=True)
    admin_kind = models.CharField(
        _("三员类型"), max_length=10, choices=AdminKind.choices, blank=True, default=""
    )
    is_builtin = models.BooleanField(_("内置"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("角色")
        ordering = ["-is_builtin", "name"]

    def __str__(self):
        return self.name


class RoleAssignment(models.Model):
    """A role granted to a user over an organisation and its whole subtree."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="assignments")
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="role_assignments"
    )
    # Copied from the role so the database itself enforces "at most one of the three admins".
    admin_kind = models.CharField(max_length=10, choices=AdminKind.choices, blank=True, default="")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    scope_path = "organization__path"
    scope_owner = "user"
    scope_owner_permissions = frozenset({"accounts.view_role_assignment"})

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("角色授权")
        ordering = ["organization__path", "role__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "organization"], name="unique_role_assignment"
            ),
            models.UniqueConstraint(
                fields=["user"], condition=~Q(admin_kind=""), name="one_admin_role_per_user"
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.role} @ {self.organization}"

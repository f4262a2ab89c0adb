"""Settings for dangjian, read from the environment (DESIGN §5).

Every value a deployment changes comes from an environment variable through a strict parser in
`dangjian.core.env`; nothing here reads the database or other settings at import time.
"""

from pathlib import Path

import dj_database_url

from dangjian.core.env import (
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_str,
    parse_email_url,
    parse_storage_url,
)

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(env_str("DANGJIAN_VAR_DIR", str(PROJECT_DIR / "var")))

# development | test | production — production turns on the refusal checks in core/checks.py.
ENVIRONMENT = env_choice(
    "DANGJIAN_ENVIRONMENT", "development", ("development", "test", "production")
)
DEFAULT_SECRET_KEY = "dangjian-insecure-development-key-never-use-in-production"  # noqa: S105
SECRET_KEY = env_str("DANGJIAN_SECRET_KEY", DEFAULT_SECRET_KEY)
# Field encryption key: 32 bytes, base64 (urlsafe). Development falls back to a derived key.
FIELD_KEY = env_str("DANGJIAN_FIELD_KEY", "")
DEBUG = env_bool("DANGJIAN_DEBUG", ENVIRONMENT == "development")
ALLOWED_HOSTS = env_list("DANGJIAN_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DANGJIAN_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "treebeard",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "dangjian.core",
    "dangjian.accounts",
    "dangjian.orgs",
    "dangjian.audit",
    "dangjian.notifications",
    "dangjian.members",
    "dangjian.development",
    "dangjian.transfers",
    "dangjian.dues",
    "dangjian.appraisals",
    "dangjian.meetings",
    "dangjian.portal",
    "dangjian.documents",
    "dangjian.office",
    "dangjian.assessment",
    "dangjian.search",
    "dangjian.dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "dangjian.accounts.middleware.SessionIdleTimeoutMiddleware",
    "dangjian.accounts.middleware.LoginPolicyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "dangjian.core.middleware.HtmxLoginRedirectMiddleware",
    "dangjian.core.middleware.RequestContextMiddleware",
    "dangjian.core.middleware.ControlCharacterQueryMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dangjian.urls"
WSGI_APPLICATION = "dangjian.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dangjian.core.context_processors.layout",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'dangjian.sqlite3'}"),
        conn_max_age=env_int("DANGJIAN_DB_CONN_MAX_AGE", 60, minimum=0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            " PRAGMA busy_timeout=20000;"
        ),
    }
    DATABASES["default"]["TEST"] = {"NAME": env_str("DANGJIAN_TEST_SQLITE", "") or None}
else:
    DATABASES["default"]["TEST"] = {"NAME": env_str("DANGJIAN_TEST_DB", "") or None}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Short OLTP queries: PostgreSQL's JIT compiled the portal's list and search plans for
        # up to a second and a half each (docs/performance.md); it only pays for long analytics.
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"

REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "dangjian",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "accounts.User"
# AxesBackend only checks the lockout (its authenticate() never returns a user, it shadows
# ModelBackend's); it inherits ModelBackend's get_user, so force_login and sessions work. The
# password itself is checked by the ModelBackend that follows it.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesBackend", "django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "dangjian.accounts.passwords.MinimumLengthValidator"},
    {"NAME": "dangjian.accounts.passwords.CharacterClassValidator"},
    {"NAME": "dangjian.accounts.passwords.NotContainingLoginNameValidator"},
    {"NAME": "dangjian.accounts.passwords.PasswordHistoryValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
if ENVIRONMENT == "test":
    # Fast hashing keeps the suite quick; production never runs with ENVIRONMENT=test.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "accounts:login"

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = 12 * 3600
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
HTTPS = env_bool("DANGJIAN_HTTPS", ENVIRONMENT == "production")
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
if HTTPS:
    SECURE_SSL_REDIRECT = env_bool("DANGJIAN_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("DANGJIAN_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# Number of reverse proxies in front of the app; their X-Forwarded-For entries are trusted.
TRUSTED_PROXY_COUNT = env_int("DANGJIAN_TRUSTED_PROXIES", 0, minimum=0)

# Lockout (django-axes): limits come from the security policy rules, read per attempt. Locking is
# by login name only: a whole mine reaches the platform through one NAT address, so locking an
# IP would lock out every user of a mine after five typos (axes.W006 is silenced for that reason).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_ENABLED = env_bool("DANGJIAN_AXES_ENABLED", True)
AXES_FAILURE_LIMIT = "dangjian.accounts.lockout.failure_limit"
AXES_COOLOFF_TIME = "dangjian.accounts.lockout.cooloff_time"
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_LOCKOUT_CALLABLE = "dangjian.accounts.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
# A failed attempt during a lockout must not restart the clock: the page shows the remaining time.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "dangjian.core.request_context.client_ip"
AXES_USERNAME_FORM_FIELD = "username"

OTP_TOTP_ISSUER = env_str("DANGJIAN_OTP_ISSUER", "党建信息平台")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("DANGJIAN_MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": parse_storage_url(env_str("STORAGE_URL", ""), str(MEDIA_ROOT)),
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if ENVIRONMENT == "production"
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = ENVIRONMENT != "production"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

globals().update(parse_email_url(env_str("EMAIL_URL", "")))
# Absolute address of the site, for links in e-mails (e.g. https://dangjian.example.local).
SITE_URL = env_str("DANGJIAN_SITE_URL", "").rstrip("/")
DEFAULT_FROM_EMAIL = env_str("DANGJIAN_FROM_EMAIL", "dangjian@localhost")
# SMS gateway: empty → the console adapter; otherwise an HTTP gateway
# (see notifications/channels.py).
SMS_GATEWAY_URL = env_str("DANGJIAN_SMS_URL", "")
SMS_GATEWAY_TEMPLATE = env_str(
    "DANGJIAN_SMS_TEMPLATE", '{"mobile": "{mobile}", "content": "{text}"}'
)

TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if env_bool("DANGJIAN_TASKS_IMMEDIATE", ENVIRONMENT == "test")
            else "django_tasks_db.DatabaseBackend"
        ),
        "QUEUES": ["default"],
    }
}

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

REST_FRAMEWORK = {
    # Bearer first: its challenge makes an anonymous call answer 401 + WWW-Authenticate.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "dangjian.core.api.BearerTokenAuthentication",
        "dangjian.core.api.CsrfSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "dangjian.core.api.StandardPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {"anon": "120/min", "user": "1200/min"},
    "DEFAULT_SCHEMA_CLASS": "dangjian.core.api_schema.AutoSchema",
    "EXCEPTION_HANDLER": "dangjian.core.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "党建信息平台 API",
    "DESCRIPTION": (
        "dangjian 的 REST 接口；所有数据都按调用者的组织范围过滤。\n\n"
        "- 认证：`Authorization: Bearer <令牌>`（或 `Token <令牌>`），或浏览器会话；"
        "会话方式的 POST/PATCH/DELETE 须带 `X-CSRFToken` 请求头。未认证答 401。\n"
        "- 范围：列表只含调用者范围内的对象，没有相应权限时是空列表（不是 403）；"
        "范围外的对象与不存在的一样答 404；能看到但无权修改的对象答 403；"
        "新建时调用者在任何组织都没有该权限答 403，请求体引用范围外的对象答 400。\n"
        '- 错误：一律为 `{"error": {"code": …, "message": "中文说明", '
        '"details": …}}`。'
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several apps have a field named `category` or `status` with their own choices; name each
    # enum after its domain so clients get stable names (MemberStatusEnum, LedgerStatusEnum …).
    "ENUM_NAME_OVERRIDES": {
        "MemberCategoryEnum": "dangjian.members.models.choices.Category",
        "MemberStatusEnum": "dangjian.members.models.choices.Status",
        "DuesCategoryEnum": "dangjian.dues.models.choices.BaseCategory",
        "LedgerStatusEnum": "dangjian.dues.models.choices.EntryStatus",
        "HardshipStatusEnum": "dangjian.dues.models.choices.HardshipStatus",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DANGJIAN_LOG_LEVEL", "WARNING")},
}

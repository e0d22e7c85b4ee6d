"""Kehu settings: one module, driven by the environment.

SQLite (WAL) is the embedded default; set DATABASE_URL for PostgreSQL.
DEBUG is off unless KEHU_DEBUG=1, and with DEBUG off SECRET_KEY must come from
the environment: a production install never runs on a key that is in git.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env("KEHU_DATA_DIR", str(BASE_DIR / "data")))
MEDIA_ROOT = DATA_DIR / "documents"
DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)  # SQLite, huey and documents live here
# Personal data: only Kehu's own user may read the data directory (one someone else owns: their choice).
with contextlib.suppress(PermissionError):
    DATA_DIR.chmod(0o700)
MEDIA_URL = "/media/"
# Documents hold personal data: readable by Kehu's user only (Django's default is 0644).
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

DEBUG = envbool("KEHU_DEBUG", False)
SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if DEBUG:
        SECRET_KEY = "insecure-development-key-only-used-with-KEHU_DEBUG"  # noqa: S105 (only with DEBUG)
    else:
        raise ImproperlyConfigured("SECRET_KEY must be set in the environment when KEHU_DEBUG is off.")

# Keys for personal data encryption at rest (comma separated Fernet keys, newest
# first). Separate from SECRET_KEY so that either can be rotated on its own.
FIELD_ENCRYPTION_KEYS = [k.strip() for k in env("KEHU_FIELD_KEYS").split(",") if k.strip()]
BLIND_INDEX_KEY = env("KEHU_BLIND_INDEX_KEY")
if not FIELD_ENCRYPTION_KEYS or not BLIND_INDEX_KEY:
    if DEBUG:
        FIELD_ENCRYPTION_KEYS = FIELD_ENCRYPTION_KEYS or ["ZGV2ZWxvcG1lbnQta2V5LW5vdC1mb3ItcHJvZHVjdGk="]
        BLIND_INDEX_KEY = BLIND_INDEX_KEY or "development-blind-index-key"
    else:
        raise ImproperlyConfigured("KEHU_FIELD_KEYS and KEHU_BLIND_INDEX_KEY must be set when KEHU_DEBUG is off.")

ALLOWED_HOSTS = [h.strip() for h in env("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in env("CSRF_TRUSTED_ORIGINS").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "simple_history",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "huey.contrib.djhuey",
    "kehu.core",
    "kehu.accounts",
    "kehu.access",
    "kehu.customers",
    "kehu.engagement",
    "kehu.servicedesk",
    "kehu.analytics",
    "kehu.messaging",
    "kehu.loyalty",
    "kehu.feedback",
    "kehu.knowledge",
    "kehu.conversations",
    "kehu.workbench",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kehu.accounts.sessions.IdleTimeoutMiddleware",
    # Fail closed: a customer-owned record read without restrict(user, action) in a request raises.
    "kehu.access.scoping.ScopeGuardMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "kehu.access.otp.RequireOTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # One transaction per API write: a failed request commits nothing (kehu/core/middleware.py).
    "kehu.core.middleware.AtomicApiWritesMiddleware",
    "kehu.core.middleware.BadInputMiddleware",
    "kehu.core.middleware.NoStoreMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "kehu" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            # {% url %} remembering the paths it reversed (issue 16: ~2 ms of every page)
            "builtins": ["kehu.core.templatetags.remembered_urls"],
            # {% load i18n %} with a cheaper {% translate "constant" %} (issue 16; see the module)
            "libraries": {"i18n": "kehu.core.templatetags.kehu_i18n"},
        },
    },
]

# --- database ---------------------------------------------------------------
SQLITE_OPTIONS = {
    # WAL lets the worker write while web requests read; IMMEDIATE takes the write
    # lock at BEGIN so that concurrent writers queue instead of failing mid-way.
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=envint("DB_CONN_MAX_AGE", 60))}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "kehu.sqlite3"),
            "OPTIONS": SQLITE_OPTIONS,
        }
    }
# Parallel test runs (several checkouts on one PostgreSQL) need distinct names.
# SQLite tests run in memory and need none.
if env("KEHU_TEST_DB_NAME") and DATABASE_URL:
    DATABASES["default"]["TEST"] = {"NAME": env("KEHU_TEST_DB_NAME")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- auth -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "workbench:home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # Locked username+address pairs get no password check (kehu/accounts/lockout.py).
    "kehu.accounts.lockout.LockoutBackend",
    "kehu.accounts.backends.CachedModelBackend",
]
SESSION_COOKIE_AGE = envint("KEHU_SESSION_SECONDS", 8 * 3600)
# No session write per request: IdleTimeoutMiddleware refreshes a "last seen" stamp at most every
# KEHU_SESSION_REFRESH_SECONDS and logs out after SESSION_COOKIE_AGE idle (kehu/accounts/sessions.py).
SESSION_SAVE_EVERY_REQUEST = False
KEHU_SESSION_REFRESH_SECONDS = envint("KEHU_SESSION_REFRESH_SECONDS", 300)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Sessions are read from the cache (no session query per page), written through to the database, and a
# refresh never makes a read wait for a long SQLite writer (kehu/core/sessions.py).
SESSION_ENGINE = "kehu.core.sessions"

# --- security headers ----------------------------------------------------------
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = envbool("KEHU_HTTPS", False)
SESSION_COOKIE_SECURE = envbool("KEHU_HTTPS", False)
CSRF_COOKIE_SECURE = envbool("KEHU_HTTPS", False)
SECURE_HSTS_SECONDS = envint("KEHU_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("KEHU_HSTS_INCLUDE_SUBDOMAINS", True)
# security.W021: intranet host names cannot join the browsers' public HSTS preload list.
# templates.W003 ("a library name used twice"): TEMPLATES replaces Django's i18n library with
# kehu.core.templatetags.kehu_i18n on purpose; kehu/core/tests/test_per_request_work.py fails on
# any other name used twice, so the check is kept in a test.
SILENCED_SYSTEM_CHECKS = ["security.W021", "templates.W003"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if envbool("KEHU_BEHIND_PROXY") else None

# --- i18n ---------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
# Each language is named in itself, so a user can always find their own.
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- static -----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "build" / "static"
_NODE = BASE_DIR / "node_modules"
# Front-end assets come from the npm registry at setup time, never from a CDN.
STATICFILES_DIRS = [
    ("vendor/htmx", _NODE / "htmx.org" / "dist"),
    ("vendor/tabler", _NODE / "@tabler" / "core" / "dist"),
    ("vendor/alpine", _NODE / "@alpinejs" / "csp" / "dist"),
    ("vendor/echarts", _NODE / "echarts" / "dist"),
    ("vendor/sortable", _NODE / "sortablejs"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "kehu.core.staticstorage.StaticStorage"},
}

# --- API ----------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "kehu.accounts.tokens.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "kehu.core.api.KeysetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "kehu.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Kehu API",
    "DESCRIPTION": "客户关系维护系统 REST API",
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One schema name per choice set shared by several apps (drf-spectacular would invent Channel17eEnum).
    "ENUM_NAME_OVERRIDES": {
        "GradeEnum": "kehu.customers.choices.Grade",
        "PriorityEnum": "kehu.customers.choices.Priority",
        "ChannelEnum": "kehu.customers.choices.Channel",
        "IntakeChannelEnum": "kehu.servicedesk.choices.IntakeChannel",
        "GrantScopeEnum": "kehu.access.choices.GrantScope",
        "PolicyScopeEnum": "kehu.engagement.choices.PolicyScope",
        "DepartmentEnum": "kehu.accounts.choices.Department",
        "ComplaintStateEnum": "kehu.servicedesk.choices.ComplaintState",
        "TicketStateEnum": "kehu.servicedesk.choices.TicketState",
        "DemandStateEnum": "kehu.servicedesk.choices.DemandState",
        "ComplaintNatureEnum": "kehu.servicedesk.choices.ComplaintNature",
        "DemandTypeEnum": "kehu.servicedesk.choices.DemandType",
        "BoardStateEnum": "kehu.engagement.choices.BoardState",
        "NatureEnum": "kehu.customers.choices.Nature",
        "InfoSourceEnum": "kehu.customers.choices.InfoSource",
        "MessageChannelEnum": "kehu.messaging.choices.MessageChannel",
        "DeliveryStatusEnum": "kehu.messaging.choices.DeliveryStatus",
        "DeliveryChannelEnum": "kehu.feedback.choices.DeliveryChannel",
        "ConversationChannelEnum": "kehu.conversations.choices.ChannelKind",
        "ConversationStateEnum": "kehu.conversations.choices.ConversationState",
        "ConversationOutcomeEnum": "kehu.conversations.choices.Outcome",
        "MessageSenderEnum": "kehu.conversations.choices.Sender",
        "CallDirectionEnum": "kehu.conversations.choices.CallDirection",
        "CallbackStateEnum": "kehu.conversations.choices.CallbackState",
        "ArticleStatusEnum": "kehu.knowledge.choices.ArticleStatus",
        "ArticleLanguageEnum": "kehu.knowledge.choices.Language",
        "ArticleSourceEnum": "kehu.knowledge.choices.ArticleSource",
        "DraftSourceEnum": "kehu.knowledge.choices.DraftSource",
        "ConsultationTopicEnum": "kehu.servicedesk.choices.ConsultationTopic",
        "ConsultationStateEnum": "kehu.servicedesk.choices.ConsultationState",
    },
}

# --- background work ------------------------------------------------------------
# Application code uses Django's task API (@task, .enqueue); huey's own django.tasks
# backend runs them. Tasks are queued only when the enqueuing transaction commits,
# so a worker never sees an id that a rollback took back.
# Two queues (kehu/core/queues.py): "default" for timers and short work, "bulk" for long jobs,
# each with its own worker threads in `manage.py run_worker`.
TASKS = {
    "default": {
        "BACKEND": env("KEHU_TASK_BACKEND", "kehu.core.tasks_backend.KehuHueyBackend"),
        "OPTIONS": {"enqueue_on_commit": True} if not env("KEHU_TASK_BACKEND") else {},
        "QUEUES": ["default", "bulk"],
    }
}
KEHU_BULK_WORKERS = envint("KEHU_BULK_WORKERS", 1)
REDIS_URL = env("REDIS_URL")
# Sessions and the signed-in user are cached. The cache must be shared by every web process (gunicorn
# runs several): a per-process memory cache would keep a session alive in one process after logout
# in another. One machine: files in the data directory; several machines: Redis.
CACHES: dict[str, dict[str, object]]
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("KEHU_CACHE_PREFIX", "kehu"),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }
if REDIS_URL:
    # The Priority variant: timers carry a priority (plain RedisHuey refuses priorities).
    HUEY = {"huey_class": "huey.PriorityRedisHuey", "name": "kehu", "url": REDIS_URL, "immediate": False}
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "kehu",
        "filename": str(DATA_DIR / "huey.sqlite3"),
        "immediate": False,
    }
HUEY["consumer"] = {"workers": envint("KEHU_WORKERS", 2), "worker_type": "thread"}

# --- e-mail -------------------------------------------------------------------
# Django 6.1's MAILERS; the worker sends reminders, the service desk replies to customers.
_mail_backend = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
_mail_options: dict[str, object] = {}
if _mail_backend.endswith("smtp.EmailBackend"):
    _mail_options = {
        "host": env("EMAIL_HOST", "localhost"),
        "port": envint("EMAIL_PORT", 25),
        "username": env("EMAIL_HOST_USER"),
        "password": env("EMAIL_HOST_PASSWORD"),
        "use_tls": envbool("EMAIL_USE_TLS", False),
        "timeout": envint("EMAIL_TIMEOUT", 20),
    }
elif _mail_backend.endswith("filebased.EmailBackend"):  # make run without EMAIL_HOST: mail lands in files
    _mail_options = {"file_path": env("EMAIL_FILE_PATH", str(DATA_DIR / "mail"))}
MAILERS = {"default": {"BACKEND": _mail_backend, "OPTIONS": _mail_options}}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "kehu@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"jieba": {"level": "WARNING"}},
}

# --- Kehu policy settings (numbers the policies leave open) ----------------------
KEHU = {
    "FRESHNESS_WARNING_DAYS": envint("KEHU_FRESHNESS_WARNING_DAYS", 1),
    "FRESHNESS_BREACH_DAYS": envint("KEHU_FRESHNESS_BREACH_DAYS", 2),
    "GRADE_TARGET_SHARES": {"A": 20, "B": 40, "C": 40},
    "EXPORT_ROW_CAP_STAFF": envint("KEHU_EXPORT_ROW_CAP_STAFF", 5000),
    "RETENTION_YEARS": envint("KEHU_RETENTION_YEARS", 3),
    # Care calendar: greetings and gifts are planned CARE_LEAD_DAYS before the day, CARE_HORIZON_DAYS ahead.
    "CARE_LEAD_DAYS": envint("KEHU_CARE_LEAD_DAYS", 7),
    "CARE_HORIZON_DAYS": envint("KEHU_CARE_HORIZON_DAYS", 30),
    # "raise": an unrestricted read of a customer-owned model inside a request is an error (fail
    # closed); "warn": logged only. See kehu/access/scoping.py.
    "SCOPE_GUARD": env("KEHU_SCOPE_GUARD", "raise"),
    # Tokens from POST /api/auth/token/ expire after this many days (named integration tokens
    # choose their own expiry); see kehu/accounts/tokens.py.
    "API_TOKEN_DAYS": envint("KEHU_API_TOKEN_DAYS", 30),
    # Login lockout (kehu/accounts/lockout.py): failures of one username from one address before
    # growing delays start; failures of one address (any usernames) within 10 minutes before it waits.
    "LOGIN_FAILURE_LIMIT": envint("KEHU_LOGIN_FAILURE_LIMIT", 5),
    "LOGIN_IP_FAILURE_LIMIT": envint("KEHU_LOGIN_IP_FAILURE_LIMIT", 30),
    # Surveys: no survey within this many days of another or of a complaint follow-up (quiet period).
    "SURVEY_QUIET_DAYS": envint("KEHU_SURVEY_QUIET_DAYS", 30),
    # Public signed-link pages: requests per minute and client address before 429.
    "PUBLIC_RATE_PER_MINUTE": envint("KEHU_PUBLIC_RATE_PER_MINUTE", 60),
    # Channels (M13): office hours for response targets counted in working hours; sites allowed to embed
    # the web-chat widget (CSP frame-ancestors, CORS); webhook secrets of the inbound adapters.
    "WORK_HOURS": env("KEHU_WORK_HOURS", "09:00-18:00"),
    "CHAT_ORIGINS": [o.strip() for o in env("KEHU_CHAT_ORIGINS").split(",") if o.strip()],
    "CHANNELS": {
        "SMS_SECRET": env("KEHU_SMS_WEBHOOK_SECRET"),
        "WECOM_TOKEN": env("KEHU_WECOM_TOKEN"),
        "WECOM_AES_KEY": env("KEHU_WECOM_AES_KEY"),
        "WECOM_CORP_ID": env("KEHU_WECOM_CORP_ID"),
        "DINGTALK_SECRET": env("KEHU_DINGTALK_SECRET"),
    },
    "ASSISTANT_ANSWER_CONFIDENCE": float(env("KEHU_ASSISTANT_ANSWER_CONFIDENCE", "0.6")),
    "ASSISTANT_OFFER_CONFIDENCE": float(env("KEHU_ASSISTANT_OFFER_CONFIDENCE", "0.3")),
}

# `make bench` serves bare reference views at /_bench/ (kehu/core/benchrefs.py); off everywhere else.
KEHU_BENCH_REFS = envbool("KEHU_BENCH_REFS", False)

# --- outbound messages (kehu.messaging) -------------------------------------------------------------
# Endpoints are the company's own (its SMS provider, WeCom tenant); nothing else is contacted.
KEHU_MESSAGING = {
    # The address the public pages (unsubscribe, RSVP) are reached at from outside.
    "PUBLIC_URL": env("KEHU_PUBLIC_URL", "http://localhost:8000"),
    "HTTP_TIMEOUT": envint("KEHU_MESSAGING_HTTP_TIMEOUT", 10),
    "UNSUBSCRIBE_MAX_AGE_DAYS": envint("KEHU_UNSUBSCRIBE_MAX_AGE_DAYS", 365),
    "SMS": {
        "ENDPOINT": env("KEHU_SMS_ENDPOINT"),
        "ACCESS_KEY": env("KEHU_SMS_ACCESS_KEY"),
        "SECRET": env("KEHU_SMS_SECRET"),
        "SIGN_NAME": env("KEHU_SMS_SIGN_NAME"),
        # topic -> the provider's approved template id; "default" for the rest
        "TEMPLATES": {
            k.strip(): v.strip()
            for k, _sep, v in (p.partition("=") for p in env("KEHU_SMS_TEMPLATES").split(",") if "=" in p)
        },
    },
    "WECOM_APP": {
        "API_BASE": env("KEHU_WECOM_API_BASE", "https://qyapi.weixin.qq.com"),
        "CORP_ID": env("KEHU_WECOM_CORP_ID"),
        "SECRET": env("KEHU_WECOM_SECRET"),
        "AGENT_ID": envint("KEHU_WECOM_AGENT_ID", 0),
    },
    # 钉钉工作通知 to a person (workflow messages for those who ask): an internal app of the company's tenant
    "DINGTALK_APP": {
        "API_BASE": env("KEHU_DINGTALK_API_BASE", "https://oapi.dingtalk.com"),
        "APP_KEY": env("KEHU_DINGTALK_APP_KEY"),
        "APP_SECRET": env("KEHU_DINGTALK_APP_SECRET"),
        "AGENT_ID": envint("KEHU_DINGTALK_AGENT_ID", 0),
    },
}

# --- loyalty (kehu.loyalty) ------------------------------------------------------------------------
KEHU_LOYALTY = {
    "APPROVAL_ABOVE": envint("KEHU_CAMPAIGN_APPROVAL_ABOVE", 200),  # a bigger audience needs an approval
    "POINTS_PER_YUAN": env("KEHU_POINTS_PER_YUAN", "0.1"),
    "VALID_DAYS": envint("KEHU_POINTS_VALID_DAYS", 730),
    "TIER_WINDOW_DAYS": envint("KEHU_TIER_WINDOW_DAYS", 365),
    "TIER_GRACE_DAYS": envint("KEHU_TIER_GRACE_DAYS", 90),
    "REFERRAL_POINTS": envint("KEHU_REFERRAL_POINTS", 500),
    "REFERRAL_CAP_PER_YEAR": envint("KEHU_REFERRAL_CAP_PER_YEAR", 5),
}
# Key of the survey and self-update links (kehu/feedback/links.py); not SECRET_KEY. Unset: derived
# from SECRET_KEY, which is fine for development; set it in production so that the two rotate apart.
KEHU_LINK_KEY = env("KEHU_LINK_KEY")

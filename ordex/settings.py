"""Ordex settings: everything that differs between machines comes from the environment.

DATABASE_URL   default sqlite:///<ORDEX_DATA_DIR>/ordex.sqlite3 (WAL mode)
ORDEX_DATA_DIR default ./var
SECRET_KEY     default: generated once and kept in <ORDEX_DATA_DIR>/secret_key
REDIS_URL      optional: when set, the task queue runs on Redis instead of SQLite
"""

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("ORDEX_DATA_DIR", BASE_DIR / "var")).resolve()
# The data dir holds the database, the secret key and uploaded evidence: created readable by its owner only.
if not DATA_DIR.exists():
    DATA_DIR.mkdir(parents=True, mode=0o700)
    DATA_DIR.chmod(0o700)


def _private_file(path: Path) -> str:
    """Create `path` empty with mode 0600 if it does not exist yet (SQLite keeps the mode for -wal/-shm)."""
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    return str(path)


def _secret_key() -> str:
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("ORDEX_DEBUG", "") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]", "testserver"})
# Served over HTTPS (ORDEX_HTTPS=1): cookies only over HTTPS, HTTP redirected, HSTS for a year. Behind a proxy
# that ends TLS (ORDEX_BEHIND_PROXY=1), the proxy's X-Forwarded-Proto says whether the request was HTTPS.
HTTPS = os.environ.get("ORDEX_HTTPS", "") == "1"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("ORDEX_HSTS_SECONDS", "31536000")) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS and os.environ.get("ORDEX_HSTS_PRELOAD", "") == "1"
if os.environ.get("ORDEX_BEHIND_PROXY", "") == "1":
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

INSTALLED_APPS = [
    "ordex.accounts.admin_config.OrdexAdminConfig",  # django.contrib.admin, for admins only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "huey.contrib.djhuey",
    "axes",
    "csp",
    "ordex.accounts",
    "ordex.orders",
    "ordex.ingest",
    "ordex.cases",
    "ordex.detection",
    "ordex.resolutions",
    "ordex.notify",
    "ordex.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "ordex.core.middleware.JsonApiErrors",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ordex.web.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ordex.urls"
WSGI_APPLICATION = "ordex.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

AUTHENTICATION_BACKENDS = ["ordex.accounts.backends.LoginThrottleBackend", "django.contrib.auth.backends.ModelBackend"]
# Login throttling (django-axes): a (username, client IP) pair is locked out after AXES_FAILURE_LIMIT failed
# logins for AXES_COOLOFF_TIME hours; behind a proxy set ORDEX_TRUSTED_PROXY_COUNT so the client IP is read
# from X-Forwarded-For.
AXES_FAILURE_LIMIT = int(os.environ.get("ORDEX_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("ORDEX_LOGIN_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("ORDEX_TRUSTED_PROXY_COUNT", "0")) or None
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Content-Security-Policy on every page: scripts, styles and everything else from Ordex itself only. Inline
# <script>/<style> and style="" attributes are refused by browsers, so pages must not use them.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ordex.web.context_processors.workbench",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{_private_file(DATA_DIR / 'ordex.sqlite3')}",
        # Kept open between requests (each web thread has its own): a new connection costs a PostgreSQL
        # login, or on SQLite re-reading the schema and a cold page cache (single-event p50 9.4 -> 6.7 ms).
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers work while the importer writes; IMMEDIATE takes the write lock at
        # BEGIN so two writers queue on busy_timeout instead of failing with "database is locked".
        # wal_autocheckpoint: copy the write-ahead log back every ~64 MB instead of every 4 MB; each chunk
        # rewrites many of the same index pages, and a checkpoint inside a request's commit was half of the
        # commit's time (docs/benchmarks.md, "Figures behind settings and code").
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000; "
                        "PRAGMA wal_autocheckpoint=16000;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    # Tests use a file, not shared-cache memory: the race tests need real SQLite locking between threads.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test_ordex_{os.getpid()}.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = os.environ.get("ORDEX_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "media/"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

REDIS_URL = os.environ.get("REDIS_URL", "")
HUEY = {
    "name": "ordex",
    "immediate": os.environ.get("ORDEX_HUEY_IMMEDIATE", "") == "1",
    "consumer": {"workers": int(os.environ.get("ORDEX_WORKERS", "2")), "worker_type": "thread"},
}
if REDIS_URL:
    HUEY.update({"huey_class": "huey.RedisHuey", "url": REDIS_URL})
else:
    HUEY.update({"huey_class": "huey.SqliteHuey", "filename": _private_file(DATA_DIR / "huey.sqlite3")})

# Detection registers its on-event rules with the hub's `applied_events` hook (docs/architecture.md).
# ORDEX_DETECTION_ON_IMPORT=0 leaves them out (benchmarks measure import without them).
ORDEX_DETECTION_ON_IMPORT = os.environ.get("ORDEX_DETECTION_ON_IMPORT", "1") != "0"
ORDEX_INGEST_MAX_BATCH = 1000
ORDEX_KUAIDI100_SALT = os.environ.get("ORDEX_KUAIDI100_SALT", "")
ORDEX_AFTERSHIP_SECRET = os.environ.get("ORDEX_AFTERSHIP_SECRET", "")
# An AfterShip webhook whose `ts` is further than this from now is refused as a replay.
ORDEX_AFTERSHIP_MAX_AGE_SECONDS = int(os.environ.get("ORDEX_AFTERSHIP_MAX_AGE_SECONDS", str(24 * 3600)))

# Customer communication (docs/notify.md). The address customers reach in the messages' links.
ORDEX_PUBLIC_URL = os.environ.get("ORDEX_PUBLIC_URL", f"http://127.0.0.1:{os.environ.get('ORDEX_PORT', '8000')}")
ORDEX_CUSTOMER_LANGUAGE = os.environ.get("ORDEX_CUSTOMER_LANGUAGE", "zh-hans")
ORDEX_LINK_DAYS = int(os.environ.get("ORDEX_LINK_DAYS", "30"))
ORDEX_NOTIFY_MAX_ATTEMPTS = int(os.environ.get("ORDEX_NOTIFY_MAX_ATTEMPTS", "6"))
ORDEX_NOTIFY_BACKOFF_SECONDS = int(os.environ.get("ORDEX_NOTIFY_BACKOFF_SECONDS", "60"))
ORDEX_CHOICE_REMINDER_HOURS = int(os.environ.get("ORDEX_CHOICE_REMINDER_HOURS", "12"))
ORDEX_SURVEY_DELAY_HOURS = int(os.environ.get("ORDEX_SURVEY_DELAY_HOURS", "24"))
ORDEX_SURVEY_ANSWER_DAYS = int(os.environ.get("ORDEX_SURVEY_ANSWER_DAYS", "7"))
ORDEX_SURVEY_LOW_SCORE = int(os.environ.get("ORDEX_SURVEY_LOW_SCORE", "2"))
# Email: SMTP when EMAIL_HOST is set, else one .eml file per message under <data dir>/mail/.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "ordex.notify.mail.EmlFileBackend"
)
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "1") == "1"
DEFAULT_FROM_EMAIL = os.environ.get("ORDEX_EMAIL_FROM", "service@ordex.localhost")
# SMS: Alibaba Cloud SMS when an AccessKey is set, else appended to <data dir>/sms/outbox.jsonl.
ORDEX_SMS_ENDPOINT = os.environ.get("ORDEX_SMS_ENDPOINT", "https://dysmsapi.aliyuncs.com/")
ORDEX_SMS_ACCESS_KEY_ID = os.environ.get("ORDEX_SMS_ACCESS_KEY_ID", "")
ORDEX_SMS_ACCESS_KEY_SECRET = os.environ.get("ORDEX_SMS_ACCESS_KEY_SECRET", "")
ORDEX_SMS_SIGN_NAME = os.environ.get("ORDEX_SMS_SIGN_NAME", "")
ORDEX_SMS_TEMPLATE_CODE = os.environ.get("ORDEX_SMS_TEMPLATE_CODE", "")
ORDEX_SMS_PER_PHONE_PER_HOUR = int(os.environ.get("ORDEX_SMS_PER_PHONE_PER_HOUR", "5"))
ORDEX_SMS_REPORT_TOKEN = os.environ.get("ORDEX_SMS_REPORT_TOKEN", "")
ORDEX_MERCHANT_WEBHOOK_URL = os.environ.get("ORDEX_MERCHANT_WEBHOOK_URL", "")
ORDEX_MERCHANT_WEBHOOK_SECRET = os.environ.get("ORDEX_MERCHANT_WEBHOOK_SECRET", "")
ORDEX_LINK_RATE_PER_10_MIN = int(os.environ.get("ORDEX_LINK_RATE_PER_10_MIN", "60"))

# Uploaded evidence
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ORDEX_LOG_LEVEL", "WARNING")},
    # The worker's own logger, configured here so `run_huey` adds no second handler (each line printed twice).
    "loggers": {"huey": {"handlers": ["console"], "level": os.environ.get("ORDEX_LOG_LEVEL", "INFO"),
                         "propagate": False}},
}
